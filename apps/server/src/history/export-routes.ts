// Owns /dashboards/:id/export: a CSV or JSON download of stored values.

import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { findDashboard, listMetrics } from "../dashboards/store.ts";
import { NotFoundError } from "../http/errors.ts";
import { dashboardAccess, queryRange } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { exportCsv, exportJson } from "./export.ts";

export function registerExport(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.exportDashboard, async (request, reply) => {
    const { dashboardId: id, userId } = await dashboardAccess(ctx.db, request, "viewer");
    const q = input(request, restRoutes.exportDashboard, "query");
    const dashboard = await findDashboard(ctx.db, id);
    if (!dashboard) throw new NotFoundError("Dashboard not found");
    let metrics = await listMetrics(ctx.db, id);
    if (q.metric_id !== undefined) {
      metrics = metrics.filter((m) => m.id === q.metric_id);
      if (metrics.length === 0) throw new NotFoundError("Metric not found");
    }
    const range = queryRange(q);
    // The whole download holds one of the user's expensive-read slots until its stream closes.
    const release = ctx.storage.reader.acquire(userId);
    // The response closes when the download ends or its client goes (a socket closed mid-stream).
    const client = new AbortController();
    reply.raw.once("close", () => client.abort());
    // The slug is [a-z0-9-] only, so it is safe inside the header without quoting games.
    const file = `${dashboard.slug}-export.${q.format}`;
    reply.header("content-disposition", `attachment; filename="${file}"`);
    reply.header("x-content-type-options", "nosniff");
    if (q.format === "csv") {
      reply.type("text/csv; charset=utf-8");
      return reply.send(exportCsv(ctx.storage, metrics, range, release, client.signal));
    }
    reply.type("application/json; charset=utf-8");
    return reply.send(exportJson(ctx.storage, dashboard, metrics, range, release, client.signal));
  });
}
