// The Pulseboard target: the real server (buildApp over SQLite, in-memory channel layer) with a
// bench user, one dashboard, one metric and an API token, created through the REST API where
// the API offers it. Publishing goes through POST /api/v1/ingest, clients through
// /ws/dashboard/:id/ with the token, exactly as programs use it.

import { healthRoutes } from "../../../apps/server/src/api/health.ts";
import { startTestApp } from "../../../apps/server/test/harness.ts";
import { serveControl } from "./child.ts";

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
const t = await startTestApp("sqlite", {
  config: { logLevel: process.env.LOG_LEVEL ?? "warn", ...limits },
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
    ...(abuse ? { abuse: await attacker() } : {}),
  },
  () => t.close(),
);

/** A second user, a viewer of the bench dashboard: the resume flood is sent with its token. */
async function attacker() {
  await t.createUser("mallory");
  const attackerToken = await t.createToken("mallory", "flood");
  await t.api("PUT", `/api/v1/dashboards/${dashboard.body.id}/members`, {
    token,
    body: { username: "mallory", role: "viewer" },
  });
  return { attackerToken, healthPath: "/api/v1/health" };
}
