// The Pulseboard target: the real server (buildApp over SQLite, in-memory channel layer) with a
// bench user, one dashboard, one metric and an API token, created through the REST API where
// the API offers it. Publishing goes through POST /api/v1/ingest, clients through
// /ws/dashboard/:id/ with the token, exactly as programs use it.
import { startTestApp } from "../../../apps/server/test/harness.ts";
import { serveControl } from "./child.ts";

const t = await startTestApp("sqlite", { config: { logLevel: process.env.LOG_LEVEL ?? "warn" } });
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
  },
  () => t.close(),
);
