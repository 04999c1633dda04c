// Hostile static paths (`..`, `%2e%2e`, NUL) answer a plain 404 in the API's error
// shape (below 500, so nothing is logged as a failure) and are never served; they answered 500.

import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, startTestApp, type TestApp, type TestDatabase } from "./harness.ts";

let t: TestApp;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("sqlite");
  const dist = join(db.dataDir, "dist");
  mkdirSync(join(dist, "assets"), { recursive: true });
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>Pulseboard UI</title>");
  writeFileSync(join(db.dataDir, "secret.txt"), "top secret");
  t = await startTestApp("sqlite", { database: db, config: { webDist: dist } });
});
afterAll(async () => {
  await t?.close();
  await db?.destroy();
});

/** Sends the path byte for byte (fetch would normalise `..` away). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port: t.port, host: "127.0.0.1", path }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

it("answers 404 to traversal, NUL and broken escapes on static paths, serving nothing", async () => {
  for (const path of [
    "/..",
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2e%2e/etc/passwd",
    "/assets/..%2f..%2fsecret.txt",
    "/assets/%00",
    "/%00",
    "/index.html%00",
  ]) {
    const res = await get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 404 });
    expect(JSON.parse(res.body).error.code).toBe("PB_ERR_NOT_FOUND");
    expect(res.body).not.toContain("top secret");
  }
  expect((await get("/")).status).toBe(200);
});
