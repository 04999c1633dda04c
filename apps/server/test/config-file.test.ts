// The configuration file beside the environment: `pulseboard config check` accepts a good file,
// names the key of every bad one, and the environment wins over the file; the server process
// refuses to start on a bad file, naming the key, and starts on the port the file gives.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, nodeEntry } from "@pulseboard/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { createTestDatabase, spawnMain } from "./harness.ts";

const serverDir = resolve(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "pb-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function check(...args: string[]) {
  const run = spawnSync(process.execPath, [...nodeEntry(join(serverDir, "src/cli.ts")), ...args], {
    cwd: serverDir,
    env: { ...process.env, PULSEBOARD_DATA_DIR: dir, PULSEBOARD_CONFIG: "", PORT: "" },
    encoding: "utf8",
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}`.trim() };
}

describe("configuration file", () => {
  it("config check accepts a good file and says what it will run", () => {
    const path = file("good.json", { port: 9191, redisCluster: ["redis://10.0.0.1:7000", "10.0.0.2:7000"] });
    const res = check("--config", path, "config", "check");
    expect(res).toEqual({
      status: 0,
      out: expect.stringContaining("listen 127.0.0.1:9191"),
    });
    expect(res.out).toContain("Redis Cluster (2 seed nodes)");
  });

  it("config check names every bad key: wrong type, unknown key, bad value, broken JSON", () => {
    const bad = check(
      "--config",
      file("bad.json", { port: "80", prot: 1, logLevel: "loud" }),
      "config",
      "check",
    );
    expect(bad.status).toBe(1);
    expect(bad.out).toContain('"port": Invalid input: expected number');
    expect(bad.out).toContain('"prot": unknown key');
    expect(bad.out).toContain('"logLevel"');
    const broken = check("--config", file("broken.json", "{ port: 1"), "config", "check");
    expect(broken.status).toBe(1);
    expect(broken.out).toContain("cannot read it as JSON");
    const both = check(
      "--config",
      file("both.json", { redisUrl: "redis://a:6379", redisCluster: ["b:7000"] }),
      "config",
      "check",
    );
    expect(both.status).toBe(1);
    expect(both.out).toContain("REDIS_URL (redisUrl) and REDIS_CLUSTER (redisCluster) are both set");
  });

  it("the environment wins over the file, the file over the built-in defaults", () => {
    const path = file("layered.json", { port: 9292, host: "0.0.0.0", demo: false });
    const config = loadConfig({ PULSEBOARD_CONFIG: path, PORT: "9393" });
    expect([config.port, config.host, config.seedDemo]).toEqual([9393, "0.0.0.0", false]);
    expect(loadConfig({ PULSEBOARD_CONFIG: path }, {}, { PULSEBOARD_DEMO: "1" }).seedDemo).toBe(false);
  });

  it("the environment is read by its schema: every bad variable named at once, with the text it got; 0 means the default where a pool needs one", () => {
    expect(() =>
      loadConfig({
        PORT: "80x",
        PULSEBOARD_RETENTION_RAW: "15 days",
        PULSEBOARD_PUBLIC_URL: "ftp://x",
        HOST: "::",
      }),
    ).toThrow(
      'PORT must be a non-negative integer, got "80x"; PULSEBOARD_RETENTION_RAW must be a duration such as 15d, 90d, 2y or 12h, got "15 days"; PULSEBOARD_PUBLIC_URL must be an http(s) URL, got "ftp://x"',
    );
    const config = loadConfig({
      PULSEBOARD_READ_THREADS: "0",
      PULSEBOARD_SYSTEM: "yes",
      PULSEBOARD_DEMO: "off",
      PULSEBOARD_SCRAPE: " http://a/metrics, ,http://b/metrics ",
      PULSEBOARD_RETENTION_1M: "12h",
      PORT: "",
    });
    expect(config.storage.readThreads).toBe(2);
    expect(config.storage.retention[1]).toBe(12 * 3_600_000);
    expect([config.system, config.seedDemo]).toEqual([true, false]);
    expect(config.scrapeTargets).toEqual(["http://a/metrics", "http://b/metrics"]);
    expect(config.port).toBe(8080);
  });

  it("the built-in web UI path points at the checkout's apps/web/dist; PULSEBOARD_WEB_DIST replaces it", () => {
    const repo = resolve(serverDir, "../..");
    const config = loadConfig({});
    expect(config.webDist).toBe(join(repo, "apps/web/dist"));
    expect(loadConfig({ PULSEBOARD_WEB_DIST: "/srv/ui" }).webDist).toBe("/srv/ui");
  });

  it("single sign-on settings: the group → team mapping from the file (an object) and the environment (pairs)", () => {
    const path = file("sso.json", {
      oidcIssuer: "https://id.example.com",
      oidcClientId: "pulseboard",
      oidcGroupsClaim: "groups",
      oidcGroupTeams: { "CN=sre,OU=groups": "sre", dev: ["web", "api"] },
      localLogin: false,
      publicUrl: "https://dash.example.com",
    });
    const config = loadConfig({ PULSEBOARD_CONFIG: path });
    expect(config.localLogin).toBe(false);
    expect(config.oidc).toMatchObject({
      issuer: "https://id.example.com",
      clientId: "pulseboard",
      clientSecret: undefined,
      name: "id.example.com",
      groupsClaim: "groups",
      groupTeams: { "CN=sre,OU=groups": ["sre"], dev: ["web", "api"] },
    });
    expect(check("--config", path, "config", "check")).toEqual({
      status: 0,
      out: expect.stringContaining("sign-in OpenID Connect (id.example.com)"),
    });
    const env = loadConfig({
      PULSEBOARD_OIDC_ISSUER: "https://id.example.com",
      PULSEBOARD_OIDC_CLIENT_ID: "x",
      PULSEBOARD_OIDC_GROUP_TEAMS: "ops=sre, dev=web,dev=api",
    });
    expect(env.oidc?.groupTeams).toEqual({ ops: ["sre"], dev: ["web", "api"] });
    expect(() => loadConfig({ PULSEBOARD_OIDC_ISSUER: "https://id.example.com" })).toThrow(
      "PULSEBOARD_OIDC_CLIENT_ID must be set",
    );
    const off = check("--config", file("off.json", { localLogin: false }), "config", "check");
    expect(off.status).toBe(1);
    expect(off.out).toContain("PULSEBOARD_LOCAL_LOGIN (localLogin) is off and no PULSEBOARD_OIDC_ISSUER");
    const bad = check("--config", file("bad-sso.json", { oidcGroupTeams: ["sre"] }), "config", "check");
    expect(bad.status).toBe(1);
    expect(bad.out).toContain('"oidcGroupTeams"');
  });

  it("the server refuses to start on a bad file, naming the key, and listens where a good one says", async () => {
    const db = await createTestDatabase("sqlite");
    try {
      const refused = spawnSync(process.execPath, nodeEntry("apps/server/src/main.ts"), {
        cwd: resolve(serverDir, "../.."),
        env: { ...process.env, ...db.env, PULSEBOARD_CONFIG: file("bad-main.json", { presenceTtlS: -1 }) },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("Configuration error");
      expect(refused.stderr).toContain('"presenceTtlS"');

      const port = await freePort();
      const config = file("main.json", { port, demo: false, system: false, synthetic: false });
      const main = await spawnMain(db, port, { PULSEBOARD_CONFIG: config, PORT: "" });
      const live = await fetch(`http://127.0.0.1:${port}/api/v1/live`);
      expect(live.status).toBe(200);
      main.child.kill("SIGTERM");
      expect(await main.exited).toBe(0);
    } finally {
      await db.destroy();
    }
  }, 60_000);
});
