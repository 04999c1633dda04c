// Owns freshness as clients see it: dashboards report the commit → render lag of what they drew
// (the SDK's FreshnessMeter percentiles over their last window), and the server keeps the newest
// report per dashboard and exposes it at GET /dashboards/:id/freshness and, for Prometheus, as
// `pulseboard_client_render_lag_ms{dashboard_id,quantile}` at GET /metrics. Reports live in this
// node's memory (a report reaches one node; each node's /metrics shows what its clients sent) and
// are dropped after REPORT_TTL_MS so a closed dashboard stops showing a lag.

import type { FreshnessReport } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { Gauge } from "prom-client";
import type { AppContext } from "../context.ts";
import { NotFoundError } from "../http/errors.ts";
import { dashboardAccess } from "../http/http.ts";
import { input, route } from "../http/route.ts";

const REPORT_TTL_MS = 5 * 60_000;
type Report = FreshnessReport & { reported_at: number };

export function registerFreshness(app: FastifyInstance, ctx: AppContext) {
  const reports = new Map<number, Report>();
  const fresh = (now: number) => {
    for (const [id, r] of reports) if (now - r.reported_at > REPORT_TTL_MS) reports.delete(id);
    return reports;
  };

  route(app, restRoutes.reportFreshness, async (request, reply) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    const body = input(request, restRoutes.reportFreshness, "body");
    reports.set(dashboardId, { ...body, reported_at: Date.now() });
    return reply.status(204).send();
  });

  route(app, restRoutes.getFreshness, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    const r = fresh(Date.now()).get(dashboardId);
    if (!r) throw new NotFoundError("Freshness report not found");
    return { ...r, reported_at: new Date(r.reported_at).toISOString() };
  });

  // Read at scrape time into the node's /metrics registry (observability/).
  new Gauge({
    name: "pulseboard_client_render_lag_ms",
    help: "Commit-to-render lag of live points as dashboards reported it (their last window).",
    labelNames: ["dashboard_id", "quantile"],
    registers: [ctx.telemetry.registry],
    collect() {
      this.reset();
      for (const [id, r] of fresh(Date.now())) {
        this.set({ dashboard_id: String(id), quantile: "0.5" }, r.p50_ms);
        this.set({ dashboard_id: String(id), quantile: "0.99" }, r.p99_ms);
      }
    },
  });
}
