import { request } from "node:http";
import { it } from "vitest";
import { startTestApp } from "./harness.ts";

it("probe", async () => {
  const t = await startTestApp("sqlite", {
    config: { webDist: "/work/main/apps/web/dist", logLevel: "error" },
  });
  for (const path of [
    "/..",
    "/../etc/passwd",
    "/%2e%2e/",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/%00",
    "/%00",
    "/index.html%00",
    "/assets/..%2f..%2fx",
    "/login?next=/\\evil.example/",
  ]) {
    const status = await new Promise((res) => {
      const r = request({ port: t.port, host: "127.0.0.1", path }, (x) => {
        x.resume();
        res(x.statusCode);
      });
      r.end();
    });
    console.log(path, status);
  }
  await t.close();
});
