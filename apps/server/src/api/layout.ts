// Owns /dashboards/:id/layout: the widget grid, stored as JSON per dashboard.

import type { Layout } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/schema.ts";
import { ValidationError } from "../errors.ts";
import { dashboardAccess } from "./http.ts";
import { input, route } from "./route.ts";

/** A deleted metric's widgets leave the stored layout with it (else the next save is refused). */
export async function dropMetricWidgets(db: Db, dashboardId: number, metricId: number): Promise<void> {
  const row = await db
    .selectFrom("layouts")
    .select("widgets")
    .where("dashboard_id", "=", dashboardId)
    .executeTakeFirst();
  if (!row) return;
  const widgets = JSON.parse(row.widgets) as Layout["widgets"];
  const kept = widgets.filter((w) => w.metric_id !== metricId);
  if (kept.length === widgets.length) return;
  await db
    .updateTable("layouts")
    .set({ widgets: JSON.stringify(kept), updated_at: Date.now() })
    .where("dashboard_id", "=", dashboardId)
    .execute();
}

export function registerLayout(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  route(app, restRoutes.getLayout, async (request): Promise<Layout> => {
    const { dashboardId: id } = await dashboardAccess(db, request, "viewer");
    const row = await db
      .selectFrom("layouts")
      .select("widgets")
      .where("dashboard_id", "=", id)
      .executeTakeFirst();
    // Stored only after passing `layout`, so the text is a valid widget list.
    return { widgets: row ? (JSON.parse(row.widgets) as Layout["widgets"]) : [] };
  });

  route(app, restRoutes.putLayout, async (request): Promise<Layout> => {
    const { dashboardId: id } = await dashboardAccess(db, request, "editor");
    const { widgets } = input(request, restRoutes.putLayout, "body");
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
