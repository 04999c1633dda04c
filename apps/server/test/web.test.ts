// Specifications of serving the built web UI: files, SPA fallback, and API paths kept apart.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, startTestApp, type TestApp, type TestDatabase } from "./harness.ts";

describe("web UI serving", () => {
  let t: TestApp;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite");
    const dist = join(db.dataDir, "dist");
    mkdirSync(join(dist, "assets"), { recursive: true });
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>Pulseboard UI</title>");
    writeFileSync(join(dist, "assets", "app.js"), "console.log('ui')");
    t = await startTestApp("sqlite", { database: db, config: { webDist: dist } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.destroy();
  });

  it("serves index.html at / and built assets by path", async () => {
    expect(await (await fetch(`${t.url}/`)).text()).toContain("Pulseboard UI");
    const asset = await fetch(`${t.url}/assets/app.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe("console.log('ui')");
  });

  it("serves the UI with a policy that allows only its own scripts and no framing", async () => {
    for (const path of ["/", "/dashboards/42"]) {
      const res = await fetch(`${t.url}${path}`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const api = await fetch(`${t.url}/api/v1/auth/me`);
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    expect(api.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("falls back to index.html for client-side routes", async () => {
    const res = await fetch(`${t.url}/dashboards/42?range=1h`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("Pulseboard UI");
  });

  it("keeps unknown API paths as JSON 404s, not the UI", async () => {
    const res = await fetch(`${t.url}/api/v1/does-not-exist`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PB_ERR_NOT_FOUND");
  });

  it("does not serve files outside the dist directory", async () => {
    // the SQLite file sits one level above dist/
    for (const path of ["/..%2fpulseboard.db", "/assets/..%2f..%2fpulseboard.db", "/%2e%2e/pulseboard.db"]) {
      const res = await fetch(`${t.url}${path}`);
      expect(await res.text()).not.toContain("SQLite format");
    }
  });
});
