// Owns /dashboards/:id/layout: the widget grid, stored as JSON per dashboard.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { ValidationError } from "../errors.ts";
import { requireRole } from "../model/access.ts";
import { idParam, parse, requireUser } from "./http.ts";

const cell = z.number().int().min(0).max(1000);
export const widget = z
  .object({
    id: z.string().min(1).max(100),
    type: z.enum(["metric", "system", "activity", "counter", "connections", "alerts"]),
    metric_id: z.number().int().positive().optional(),
    chart: z.enum(["line", "bars", "area"]).optional(),
    x: cell,
    y: cell,
    w: cell,
    h: cell,
  })
  .strict();
const layoutBody = z.object({ widgets: z.array(widget).max(500) }).strict();

export function registerLayout(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  app.get("/api/v1/dashboards/:id/layout", async (request) => {
    const { userId } = requireUser(request);
    const id = idParam(request, "id", "Dashboard");
    await requireRole(db, userId, id, "viewer");
    const row = await db
      .selectFrom("layouts")
      .select("widgets")
      .where("dashboard_id", "=", id)
      .executeTakeFirst();
    return { widgets: row ? JSON.parse(row.widgets) : [] };
  });

  app.put("/api/v1/dashboards/:id/layout", async (request) => {
    const { userId } = requireUser(request);
    const id = idParam(request, "id", "Dashboard");
    await requireRole(db, userId, id, "editor");
    const { widgets } = parse(layoutBody, request.body, "body");
    // A widget may only show a metric of this dashboard.
    const ids = [...new Set(widgets.flatMap((w) => (w.metric_id ? [w.metric_id] : [])))];
    if (ids.length) {
      const own = new Set(
        (
          await db
            .selectFrom("metrics")
            .select("id")
            .where("dashboard_id", "=", id)
            .where("id", "in", ids)
            .execute()
        ).map((r) => r.id),
      );
      const bad = widgets.flatMap((w, i) =>
        w.metric_id && !own.has(w.metric_id)
          ? [
              {
                type: "not_found",
                loc: ["body", "widgets", i, "metric_id"],
                msg: "no such metric on this dashboard",
              },
            ]
          : [],
      );
      if (bad.length) throw new ValidationError(bad);
    }
    const json = JSON.stringify(widgets);
    await db
      .insertInto("layouts")
      .values({ dashboard_id: id, widgets: json, updated_at: Date.now() })
      .onConflict((oc) => oc.column("dashboard_id").doUpdateSet({ widgets: json, updated_at: Date.now() }))
      .execute();
    return { widgets };
  });
}
