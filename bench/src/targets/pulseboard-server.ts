// The Pulseboard target: the real server (buildApp over SQLite, or PostgreSQL with
// BENCH_DB=postgres; in-memory channel layer) with a bench user, one dashboard, one metric and an
// API token, created through the REST API where the API offers it. Publishing goes through
// POST /api/v1/ingest, clients through /ws/dashboard/:id/ with the token, exactly as programs
// use it. For the storage benchmark it also answers "store-size" (how many bytes the store holds).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { loadConfig } from "../../../apps/server/src/config/config.ts";
import { healthRoutes } from "../../../apps/server/src/http/health.ts";
import { KEEP_EVERYTHING, startTestApp } from "../../../apps/server/test/harness.ts";
import type { StoreSize, ToServer } from "../ipc.ts";
import { benchBacklog, serveControl } from "./child.ts";

const kind = process.env.BENCH_DB === "postgres" ? "postgres" : "sqlite";
// The throughput ladder drives 10,000 clients with one token from a few addresses and posts up
// to thousands of points/s with it: the abuse limits are off there. The abuse bench
// (BENCH_ABUSE=1) keeps every default but the per-user socket cap (its 1,000 legitimate clients
// share one bench user, which no real user does).
const abuse = process.env.BENCH_ABUSE === "1";
const limits = abuse
  ? { wsMaxPerUser: 5000 }
  : {
      wsMaxPerUser: 0,
      wsMaxPendingPerAddress: 0,
      wsHandshakesPerMinute: 0,
      apiRequestsPerMinute: 0,
      ingestRequestsPerMinute: 0,
      maxSocketsPerAddress: 0,
    };
// The storage bench's heavy phase is 20 concurrent 30-day queries and an export, all by the one
// bench user: the per-user cap on expensive reads (4 by default, 429 past it) would turn most of
// them away, so here it admits them all; the read pool's own queue still bounds them.
const storage = abuse ? {} : { storage: { ...loadConfig(KEEP_EVERYTHING, {}).storage, readsPerUser: 32 } };
// GET /api/v1/health as main.ts registers it for one process (no Redis).
const t = await startTestApp(kind, {
  config: { logLevel: process.env.LOG_LEVEL ?? "warn", listenBacklog: benchBacklog(), ...limits, ...storage },
  build: { plugins: [healthRoutes()] },
});
await t.createUser("bench");
const token = await t.createToken("bench", "bench");
const dashboard = await t.api("POST", "/api/v1/dashboards", {
  token,
  body: { name: "Bench", slug: "bench" },
});
if (dashboard.status !== 201)
  throw new Error(`creating the bench dashboard failed: ${dashboard.status} ${dashboard.text}`);
const metric = await t.api("POST", `/api/v1/dashboards/${dashboard.body.id}/metrics`, {
  token,
  body: { name: "latency", type: "gauge", unit: "ms" },
});
if (metric.status !== 201)
  throw new Error(`creating the bench metric failed: ${metric.status} ${metric.text}`);

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** SQLite: every file of the data dir (db, -wal, -shm, anything a store adds) after compaction and a checkpoint. */
async function storeSize(): Promise<StoreSize> {
  let note = "";
  // The settled store, as Prometheus is measured after its own compaction: one full pass of
  // compaction (and, on SQLite, giving the freed pages back) first.
  await t.pb.ctx.storage.upkeep.compactNow();
  if (kind === "sqlite") {
    try {
      const r = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(t.pb.db);
      if (r.rows[0]?.busy) note = "WAL checkpoint was busy (the -wal file is counted as it is)";
    } catch (err) {
      note = `WAL checkpoint failed: ${(err as Error).message}`;
    }
    const bytes = dirBytes(t.database.dataDir);
    return { type: "store-size", databaseBytes: bytes, dataDirBytes: bytes, note };
  }
  const r = await sql<{ size: string }>`select pg_database_size(current_database()) as size`.execute(t.pb.db);
  return {
    type: "store-size",
    databaseBytes: Number(r.rows[0]?.size ?? Number.NaN),
    dataDirBytes: dirBytes(t.database.dataDir),
    note,
  };
}

process.on("message", (msg: ToServer) => {
  if (msg.type !== "store-size") return;
  storeSize().then(
    (answer) => process.send?.(answer),
    (err) =>
      process.send?.({
        type: "store-size",
        databaseBytes: Number.NaN,
        dataDirBytes: Number.NaN,
        note: String(err),
      } satisfies StoreSize),
  );
});

serveControl(
  {
    port: t.port,
    publishPath: "/api/v1/ingest",
    publishHeaders: { authorization: `Bearer ${token}` },
    publishBody: `{"points":[{"metric_id":${metric.body.id},"value":__VALUE__}]}`,
    wsPath: `/ws/dashboard/${dashboard.body.id}/`,
    wsHeaders: { authorization: `Bearer ${token}` },
    protocol: "pulseboard",
    metricId: metric.body.id,
    storage: { kind, token, dashboardId: dashboard.body.id, dataDir: t.database.dataDir },
    ...(abuse ? { abuse: await attacker() } : {}),
  },
  () => t.close(),
);

/** A second user, a viewer of the bench dashboard: the resume flood is sent with its token. */
async function attacker() {
  await t.createUser("mallory");
  const attackerToken = await t.createToken("mallory", "flood");
  await t.addMember(dashboard.body.id, "mallory", "viewer", { token });
  return { attackerToken, healthPath: "/api/v1/health" };
}
