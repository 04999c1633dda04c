// Many nodes: two real server processes (apps/server/src/main.ts) sharing PostgreSQL and the
// Redis channel layer, behind Debian's nginx (round-robin, no sticky sessions). Proves that any
// node serves any client, that updates and presence cross nodes, and that losing Redis or
// PostgreSQL degrades clearly (health, 503) and heals without a restart, losing nothing acknowledged.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import {
  freePort,
  type NginxHandle,
  nodeEntry,
  type PostgresHandle,
  type RedisHandle,
  startNginx,
  startPostgres,
  startRedis,
  waitForPort,
} from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presenceReaches } from "./harness.ts";

const serverDir = resolve(import.meta.dirname, "..");
const PRESENCE_TTL_S = 2;

type Node = {
  name: string;
  port: number;
  url: string;
  wsUrl: string;
  proc: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
};

async function startNode(name: string, env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const proc = spawn(process.execPath, nodeEntry(join(serverDir, "src/main.ts")), {
    cwd: serverDir,
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-6000);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  await waitForPort(port, 60_000, `server node ${name}`, () => tail);
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    proc,
    output: () => tail,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      process.kill(proc.pid, signal);
      const timer = setTimeout(
        () => proc.exitCode === null && proc.pid && process.kill(proc.pid, "SIGKILL"),
        8000,
      );
      await exited;
      clearTimeout(timer);
    },
  };
}

let pg: PostgresHandle;
let redis: RedisHandle;
let nginx: NginxHandle;
let a: Node;
let b: Node;
let dataDir: string;
let token: string;
const communicators: Communicator[] = [];

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, read field by field
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json };
}

/** A dashboard with one metric, made through nginx (whichever node answers). */
async function dashboardWithMetric(slug: string) {
  const d = await api(nginx.url, "POST", "/api/v1/dashboards", { name: `Cluster ${slug}`, slug });
  expect(d.status).toBe(201);
  const m = await api(nginx.url, "POST", `/api/v1/dashboards/${d.body.id}/metrics`, {
    name: "load",
    type: "gauge",
  });
  expect(m.status).toBe(201);
  return { dashboardId: d.body.id as number, metricId: m.body.id as number };
}

/** Connected, authenticated and past the initial config + history. */
async function client(wsBase: string, dashboardId: number): Promise<Communicator> {
  const c = await Communicator.connect(`${wsBase}/ws/dashboard/${dashboardId}/`, { token });
  communicators.push(c);
  await c.assertAuthenticated(5000);
  await c.receive("dashboard_config", 5000);
  await c.receive("metric_history", 5000);
  return c;
}

/** The first metric_update carrying `value` (others are skipped), or a timeout error. */
async function updateWithValue(c: Communicator, value: number, timeoutMs = 5000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no metric_update with value ${value} within ${timeoutMs} ms`);
    const f = await c.receive("metric_update", left);
    if ((f.payload as { value: number }).value === value) return f;
  }
}

async function healthOf(node: Node) {
  const res = await fetch(`${node.url}/api/v1/health`);
  // biome-ignore lint/suspicious/noExplicitAny: the health answer, read field by field
  return { status: res.status, body: (await res.json()) as any };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting until ${what}`);
}

function ingest(base: string, metricId: number, value: number) {
  return api(base, "POST", "/api/v1/ingest", { points: [{ metric_id: metricId, value }] });
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const databaseUrl = await pg.createDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "pb-cluster-"));
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    PULSEBOARD_DATA_DIR: dataDir,
    PULSEBOARD_DEMO: "0",
    PULSEBOARD_SYNTHETIC: "0",
    PULSEBOARD_SYSTEM: "0",
    PULSEBOARD_PRESENCE_TTL_S: String(PRESENCE_TTL_S),
    LOG_LEVEL: "warn",
  };
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [...nodeEntry(join(serverDir, "src/cli.ts")), ...args], {
      cwd: serverDir,
      env: { ...process.env, ...env },
      encoding: "utf8",
    }).trim();
  // The CLI first (it migrates the built-in tables only), then node A (adds the alert tables),
  // then B on the migrated database.
  cli("create-user", "ops", "--password", "cluster-secret-pw");
  token = cli("create-token", "ops", "cluster").split("\n").at(-1) ?? "";
  a = await startNode("A", env);
  b = await startNode("B", env);
  nginx = await startNginx({ upstreams: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`] });
}, 180_000);

afterAll(async () => {
  for (const c of communicators) await c.close().catch(() => {});
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await Promise.allSettled([nginx?.stop(), redis?.stop(), pg?.destroy()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("a cluster of two nodes sharing PostgreSQL and Redis", () => {
  it("delivers an update ingested on node A to a client connected to node B", async () => {
    const { dashboardId, metricId } = await dashboardWithMetric("a-to-b");
    const onB = await client(b.wsUrl, dashboardId);
    const res = await ingest(a.url, metricId, 41.5);
    expect(res).toEqual({ status: 200, body: { accepted: 1 } });
    const f = await updateWithValue(onB, 41.5);
    expect(f.payload).toMatchObject({ metric_id: metricId, value: 41.5 });
  });

  it("serves clients through nginx on any node, with any node taking the ingest", async () => {
    const { dashboardId, metricId } = await dashboardWithMetric("via-nginx");
    // Round-robin spreads four sockets over both nodes; no sticky sessions.
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push(await client(`ws://127.0.0.1:${nginx.port}`, dashboardId));
    for (const value of [1, 2]) {
      expect((await ingest(nginx.url, metricId, value)).status).toBe(200);
      await Promise.all(clients.map((c) => updateWithValue(c, value)));
    }
  });

  it("closes sockets on node B when a token is revoked or the dashboard deleted through node A", async () => {
    const { dashboardId } = await dashboardWithMetric("revoked");
    const created = await api(a.url, "POST", "/api/v1/tokens", { name: "revoked-on-a" });
    expect(created.status).toBe(201);
    const byToken = await Communicator.connect(`${b.wsUrl}/ws/dashboard/${dashboardId}/`, {
      token: created.body.token,
    });
    communicators.push(byToken);
    await byToken.assertAuthenticated(5000);
    const onB = await client(b.wsUrl, dashboardId);

    expect((await api(a.url, "DELETE", `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect(await byToken.closed).toEqual({ code: 4001, reason: "This API token was revoked" });
    expect(onB.isOpen).toBe(true);

    expect((await api(a.url, "DELETE", `/api/v1/dashboards/${dashboardId}`)).status).toBe(204);
    expect(await onB.closed).toEqual({ code: 4004, reason: "This dashboard was deleted" });
  });

  it("refuses on node B a token revoked through node A that B had cached with no socket open", async () => {
    const { dashboardId } = await dashboardWithMetric("cached-token");
    const created = await api(a.url, "POST", "/api/v1/tokens", { name: "cached-on-b" });
    expect(created.status).toBe(201);
    const url = `${b.wsUrl}/ws/dashboard/${dashboardId}/`;
    const first = await Communicator.connect(url, { token: created.body.token });
    await first.assertAuthenticated(5000);
    await first.close(); // node B keeps the credential, but no connection is in its group any more
    expect((await api(a.url, "DELETE", `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    const again = await Communicator.connect(url, { token: created.body.token });
    communicators.push(again);
    const auth = await again.receive("authentication", 5000);
    expect((auth.payload as { status_code: number }).status_code).toBe(401);
    expect((await again.closed).code).toBe(4001);
  });

  it("sends on node B the history the database holds after points ingested through node A", async () => {
    const { dashboardId, metricId } = await dashboardWithMetric("cached-history");
    for (const value of [1, 2, 3]) expect((await ingest(a.url, metricId, value)).status).toBe(200);
    const watcher = await client(b.wsUrl, dashboardId); // node B fills its cache and follows the feed
    for (const value of [4, 5, 6]) {
      expect((await ingest(a.url, metricId, value)).status).toBe(200);
      await updateWithValue(watcher, value);
    }
    const c = await Communicator.connect(`${b.wsUrl}/ws/dashboard/${dashboardId}/`, { token });
    communicators.push(c);
    await c.assertAuthenticated(5000);
    await c.receive("dashboard_config", 5000);
    const history = await c.receive("metric_history", 5000);
    const stored = await api(a.url, "GET", `/api/v1/metrics/${metricId}/values?limit=100`);
    // the history's points carry their stream offsets, REST's do not
    const historyPoints = (
      history.payload as { values: Array<{ value: number; timestamp: string }> }
    ).values.map(({ value, timestamp }) => ({ value, timestamp }));
    expect(historyPoints).toEqual(stored.body.values);
    expect((stored.body.values as Array<{ value: number }>).map((v) => v.value)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("counts failed logins across nodes: guesses on node A lock the name out on node B too", async () => {
    const login = (base: string, password: string) =>
      fetch(`${base}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ops", password }),
      }).then((r) => r.status);
    for (let i = 0; i < 10; i++) expect(await login(a.url, `guess-${i}`)).toBe(401);
    expect(await login(b.url, "guess-10")).toBe(429);
    // Locked for this name: even the right password waits for the window to pass.
    expect(await login(b.url, "cluster-secret-pw")).toBe(429);
  });

  it("counts presence across nodes", async () => {
    const { dashboardId } = await dashboardWithMetric("presence");
    const onA = await client(a.wsUrl, dashboardId);
    await presenceReaches(onA, 1);
    await client(b.wsUrl, dashboardId);
    await presenceReaches(onA, 2);
  });

  it("keeps local fan-out while Redis is down, reports it in health, and heals without a restart", async () => {
    const { dashboardId, metricId } = await dashboardWithMetric("redis-outage");
    const onA = await client(a.wsUrl, dashboardId);
    const onB = await client(b.wsUrl, dashboardId);
    await redis.stop();
    try {
      await until("node A reports the channel layer down", async () => (await healthOf(a)).status === 503);
      const health = await healthOf(a);
      expect(health.body).toMatchObject({
        status: "degraded",
        checks: { database: { status: "ok" }, channels: { status: "down" } },
      });
      // Storage still commits, and node A's own clients still get the update.
      expect(await ingest(a.url, metricId, 7)).toEqual({ status: 200, body: { accepted: 1 } });
      await updateWithValue(onA, 7);
    } finally {
      await redis.start();
    }
    await until(
      "both nodes are healthy again",
      async () => (await healthOf(a)).status === 200 && (await healthOf(b)).status === 200,
    );
    await until("an update from A reaches B again", async () => {
      const value = Math.random();
      await ingest(a.url, metricId, value);
      return updateWithValue(onB, value, 1000).then(() => true);
    });
  });

  it("answers 503 PB_ERR_UNAVAILABLE while PostgreSQL is down, keeps sockets open, and loses nothing acknowledged", async () => {
    const { dashboardId, metricId } = await dashboardWithMetric("pg-outage");
    const onB = await client(b.wsUrl, dashboardId);
    expect((await ingest(a.url, metricId, 100)).status).toBe(200);
    await pg.stop();
    try {
      const refused = await ingest(a.url, metricId, 200);
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe("PB_ERR_UNAVAILABLE");
      const list = await api(b.url, "GET", "/api/v1/dashboards");
      expect(list.status).toBe(503);
      expect(list.body.error.code).toBe("PB_ERR_UNAVAILABLE");
      const health = await healthOf(a);
      expect(health.status).toBe(503);
      expect(health.body.checks.database.status).toBe("down");
      // Live sockets stay up and answer.
      onB.sendMessage("ping", null);
      await onB.receive("pong", 3000);
    } finally {
      await pg.start();
    }
    await until("node A stores again", async () => (await ingest(a.url, metricId, 300)).status === 200);
    await updateWithValue(onB, 300);
    const values = await api(b.url, "GET", `/api/v1/metrics/${metricId}/values`);
    expect(values.status).toBe(200);
    const stored = (values.body.values as Array<{ value: number }>).map((v) => v.value);
    expect(stored).toContain(100);
    expect(stored).toContain(300);
    expect(stored).not.toContain(200);
  });

  it("stops counting a dead node's connections once its presence entry expires", async () => {
    const { dashboardId } = await dashboardWithMetric("dead-node");
    const onA = await client(a.wsUrl, dashboardId);
    await client(b.wsUrl, dashboardId);
    await presenceReaches(onA, 2);
    await b.stop("SIGKILL"); // no goodbye: only the TTL can clear B's count
    await new Promise((r) => setTimeout(r, (PRESENCE_TTL_S + 1) * 1000));
    await client(a.wsUrl, dashboardId);
    // The join broadcast counts A's two clients only; B's one has expired.
    const next = await onA.receive("presence", 5000);
    expect(next.payload).toEqual({ dashboard_id: dashboardId, connections: 2 });
  });
});
