// Many nodes over a Redis Cluster: two real server processes (main.ts) with REDIS_CLUSTER set
// share PostgreSQL and a three-master cluster (a replica each). Updates and presence cross the
// nodes; killing the master that owns a dashboard's group and presence keys degrades readiness
// until its replica takes over, after which updates and presence work again without a restart.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import { freePort, nodeEntry, type RedisClusterHandle, startRedisCluster } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  type MainProcess,
  presenceReaches,
  spawnMain,
  type TestDatabase,
} from "./harness.ts";

const serverDir = resolve(import.meta.dirname, "..");
let db: TestDatabase;
let cluster: RedisClusterHandle;
let a: MainProcess;
let b: MainProcess;
let token: string;
const communicators: Communicator[] = [];

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

async function client(node: MainProcess, dashboardId: number): Promise<Communicator> {
  const c = await Communicator.connect(`${node.url.replace("http", "ws")}/ws/dashboard/${dashboardId}/`, {
    token,
  });
  communicators.push(c);
  await c.assertAuthenticated(5000);
  await c.receive("dashboard_config", 5000);
  await c.receive("metric_history", 5000);
  return c;
}

async function updateWithValue(c: Communicator, value: number, timeoutMs = 5000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no metric_update with value ${value} within ${timeoutMs} ms`);
    const f = await c.receive("metric_update", left);
    if ((f.payload as { value: number }).value === value) return f;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting until ${what}`);
}

beforeAll(async () => {
  [db, cluster] = await Promise.all([
    createTestDatabase("postgres"),
    startRedisCluster({ masters: 3, replicas: 1 }),
  ]);
  const env = {
    REDIS_CLUSTER: cluster.urls.slice(0, 2).join(","),
    PULSEBOARD_DEMO: "0",
    PULSEBOARD_SYNTHETIC: "0",
    PULSEBOARD_SYSTEM: "0",
    PULSEBOARD_PRESENCE_TTL_S: "5",
    LOG_LEVEL: "warn",
  };
  execFileSync(
    process.execPath,
    [...nodeEntry(join(serverDir, "src/cli.ts")), "create-user", "ops", "--password", "cluster-pw-123"],
    { cwd: serverDir, env: { ...process.env, ...db.env, ...env } },
  );
  token =
    execFileSync(
      process.execPath,
      [...nodeEntry(join(serverDir, "src/cli.ts")), "create-token", "ops", "t"],
      {
        cwd: serverDir,
        env: { ...process.env, ...db.env, ...env },
        encoding: "utf8",
      },
    )
      .trim()
      .split("\n")
      .at(-1) ?? "";
  a = await spawnMain(db, await freePort(), env);
  b = await spawnMain(db, await freePort(), env);
}, 180_000);

afterAll(async () => {
  for (const c of communicators) await c.close().catch(() => {});
  for (const n of [a, b]) if (n && n.child.exitCode === null) n.child.kill("SIGKILL");
  await cluster?.stop();
  await db?.destroy();
}, 60_000);

describe("two nodes over a three-master Redis Cluster", () => {
  it("carries updates and presence across nodes, and heals after the owning master is killed", async () => {
    const d = await api(a.url, "POST", "/api/v1/dashboards", { name: "Sharded", slug: "sharded" });
    const m = await api(a.url, "POST", `/api/v1/dashboards/${d.body.id}/metrics`, {
      name: "load",
      type: "gauge",
    });
    expect([d.status, m.status]).toEqual([201, 201]);
    const dashboardId = d.body.id as number;
    const metricId = m.body.id as number;
    for (const node of [a, b]) expect((await api(node.url, "GET", "/api/v1/ready")).status).toBe(200);

    const onA = await client(a, dashboardId);
    const onB = await client(b, dashboardId);
    await presenceReaches(onA, 2);
    expect(
      (await api(a.url, "POST", "/api/v1/ingest", { points: [{ metric_id: metricId, value: 1 }] })).status,
    ).toBe(200);
    await updateWithValue(onB, 1);

    // The dashboard's group and its presence keys live on the shard of their slots: kill that master.
    const victim = await cluster.masterFor(`pb:channels:dashboard.${dashboardId}`);
    await cluster.kill(victim);
    await until(
      "node B reports the layer not ready",
      async () => (await api(b.url, "GET", "/api/v1/ready")).status === 503,
    );
    const notReady = await api(b.url, "GET", "/api/v1/ready");
    expect(notReady.body.reasons).toEqual([expect.stringContaining("channel layer")]);
    await cluster.waitForFailover(victim);
    await until(
      "both nodes are ready again",
      async () =>
        (await api(a.url, "GET", "/api/v1/ready")).status === 200 &&
        (await api(b.url, "GET", "/api/v1/ready")).status === 200,
    );
    // Updates cross again, and presence counts on the promoted replica.
    await until("an update from A reaches B again", async () => {
      const value = Math.random();
      await api(a.url, "POST", "/api/v1/ingest", { points: [{ metric_id: metricId, value }] });
      return updateWithValue(onB, value, 1000).then(() => true);
    });
    await client(b, dashboardId);
    await presenceReaches(onA, 3);
  }, 120_000);
});
