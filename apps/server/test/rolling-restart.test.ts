// Deploys without a dent: two real server processes (main.ts) on PostgreSQL and Redis behind
// Debian's nginx, SDK clients streaming through nginx and an ingest loop running, while each
// node in turn gets SIGTERM and comes back. A draining node stops accepting and sends its clients
// `draining`: the SDK opens a new connection (nginx sends it to the other node) and switches once
// it is authenticated, so those clients never go offline; an SDK with the hand-over off gets the
// 1012 the node closes the rest with and reconnects at once. The node finishes in-flight work and
// exits 0; every point the ingest loop got accepted is stored and reaches every client.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { createClient, type PulseboardClient } from "@pulseboard/client";
import {
  freePort,
  type NginxHandle,
  nodeEntry,
  type RedisHandle,
  startNginx,
  startRedis,
} from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createTestDatabase, type MainProcess, spawnMain, type TestDatabase } from "./harness.ts";

const serverDir = resolve(import.meta.dirname, "..");
const CLIENTS = 12;

let db: TestDatabase;
let redis: RedisHandle;
let nginx: NginxHandle;
let env: Record<string, string>;
const ports: number[] = [];
const nodes: MainProcess[] = [];
let token: string;
const clients: PulseboardClient[] = [];

async function api(method: string, path: string, body?: unknown, base = nginx.url) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

const startNode = (i: number) =>
  spawnMain(db, ports[i]!, env).then((n) => {
    nodes[i] = n;
    return n;
  });

beforeAll(async () => {
  [db, redis] = await Promise.all([createTestDatabase("postgres"), startRedis()]);
  env = {
    REDIS_URL: redis.url,
    PULSEBOARD_DEMO: "0",
    PULSEBOARD_SYNTHETIC: "0",
    PULSEBOARD_SYSTEM: "0",
    LOG_LEVEL: "warn",
  };
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [...nodeEntry(join(serverDir, "src/cli.ts")), ...args], {
      cwd: serverDir,
      env: { ...process.env, ...db.env, ...env },
      encoding: "utf8",
    }).trim();
  cli("create-user", "ops", "--password", "rolling-secret-pw");
  token = cli("create-token", "ops", "rolling").split("\n").at(-1) ?? "";
  ports.push(await freePort(), await freePort());
  await Promise.all([startNode(0), startNode(1)]);
  nginx = await startNginx({ upstreams: ports.map((p) => `127.0.0.1:${p}`) });
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const n of nodes) if (n && n.child.exitCode === null) n.child.kill("SIGKILL");
  await Promise.allSettled([nginx?.stop(), redis?.stop()]);
  await db?.destroy();
}, 60_000);

describe("a rolling restart of two nodes behind nginx", () => {
  it("answers liveness and readiness separately", async () => {
    for (const port of ports) {
      const base = `http://127.0.0.1:${port}`;
      expect((await api("GET", "/api/v1/live", undefined, base)).body).toEqual({ status: "ok" });
      expect(await api("GET", "/api/v1/ready", undefined, base)).toEqual({
        status: 200,
        body: { status: "ready" },
      });
    }
  });

  it("loses nothing: clients hand over without going offline (or reconnect at once on 1012), every accepted point reaches every client and storage", async () => {
    const dashboard = await api("POST", "/api/v1/dashboards", { name: "Rolling", slug: "rolling" });
    expect(dashboard.status).toBe(201);
    const metric = await api("POST", `/api/v1/dashboards/${dashboard.body.id}/metrics`, {
      name: "load",
      type: "gauge",
    });
    expect(metric.status).toBe(201);
    const metricId = metric.body.id as number;

    const received: Array<Set<number>> = [];
    let immediateReconnects = 0;
    // The first LEGACY clients wait for the 1012 (an SDK without the hand-over); the rest hand over.
    const LEGACY = 2;
    const handovers: number[] = Array.from({ length: CLIENTS }, () => 0);
    const offline: number[] = Array.from({ length: CLIENTS }, () => 0);
    for (let i = 0; i < CLIENTS; i++) {
      const got = new Set<number>();
      received.push(got);
      const client = createClient({
        handover: i >= LEGACY,
        url: `ws://127.0.0.1:${nginx.port}/ws/dashboard/${dashboard.body.id}/`,
        token,
        WebSocket,
        heartbeatMs: 0,
        // A long backoff: only the 1012 fast path can bring a client back within this spec.
        backoff: { initialMs: 30_000, maxMs: 30_000, factor: 2, jitter: 0 },
      });
      client.on("metric_update", (u) => got.add(u.value));
      client.on("reconnect", (r) => {
        if (r.delayMs === 0) immediateReconnects++;
      });
      client.on("handover", () => handovers[i]!++);
      client.on("state", (s) => {
        if (s.state === "reconnecting" && clients.length === CLIENTS) offline[i]!++;
      });
      client.send("subscribe", [metricId]);
      clients.push(client);
    }
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((r) =>
            c.state === "open" ? r() : c.on("state", (s) => s.state === "open" && r()),
          ),
      ),
    );

    // Ingest through nginx until told to stop; a refused point (502/503) is sent again, so
    // `accepted` holds exactly what the cluster acknowledged.
    const accepted: number[] = [];
    let refused = 0;
    let running = true;
    const clock = Date.now() - 3_600_000;
    const loop = (async () => {
      for (let value = 1; running; value++) {
        for (;;) {
          const timestamp = new Date(clock + value * 1000).toISOString();
          const res = await fetch(`${nginx.url}/api/v1/ingest`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ points: [{ metric_id: metricId, value, timestamp }] }),
          }).catch(() => undefined);
          if (res?.status === 200) {
            accepted.push(value);
            break;
          }
          refused++;
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const waitAccepted = async (more: number) => {
      const target = accepted.length + more;
      while (accepted.length < target) await new Promise((r) => setTimeout(r, 20));
    };
    await waitAccepted(20);
    for (const i of [0, 1]) {
      const node = nodes[i]!;
      node.child.kill("SIGTERM");
      expect(await node.exited).toBe(0);
      await waitAccepted(20); // the other node carries everything meanwhile
      await startNode(i);
      for (
        let t = 0;
        t < 100 &&
        (
          await api("GET", "/api/v1/ready", undefined, `http://127.0.0.1:${ports[i]}`).catch(() => ({
            status: 0,
          }))
        ).status !== 200;
        t++
      )
        await new Promise((r) => setTimeout(r, 100));
      await waitAccepted(20);
    }
    running = false;
    await loop;

    // Every client was on one of the two nodes, so each was told to move at least once: the
    // legacy ones by 1012 (reconnecting at once), the others by `draining`, never going offline.
    expect(immediateReconnects).toBeGreaterThanOrEqual(LEGACY);
    expect(handovers.slice(0, LEGACY)).toEqual([0, 0]);
    for (const n of handovers.slice(LEGACY)) expect(n).toBeGreaterThanOrEqual(1);
    expect(offline.slice(LEGACY)).toEqual(offline.slice(LEGACY).map(() => 0));
    const all = new Set(accepted);
    for (let t = 0; t < 100 && received.some((got) => got.size < all.size); t++)
      await new Promise((r) => setTimeout(r, 100));
    // The points committed while a client reconnected come in its resume by position: none missed.
    const missed = received.map((got) => [...all].filter((v) => !got.has(v)));
    for (const m of missed) expect(m).toEqual([]);
    const stored = await api("GET", `/api/v1/metrics/${metricId}/values?limit=10000`);
    expect(stored.status).toBe(200);
    const storedValues = new Set((stored.body.values as Array<{ value: number }>).map((v) => v.value));
    expect([...all].filter((v) => !storedValues.has(v))).toEqual([]);
    console.log(
      `rolling restart: ${accepted.length} points accepted (${refused} refused and re-sent), ` +
        `${CLIENTS} clients, ${immediateReconnects} immediate reconnects, hand-overs ${JSON.stringify(handovers)}, ` +
        `all stored; missed live by clients: ` +
        JSON.stringify(missed),
    );
  }, 180_000);
});
