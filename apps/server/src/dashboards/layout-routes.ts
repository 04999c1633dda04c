// Owns /dashboards/:id/layout: the widget grid, stored as JSON per dashboard.

import type { Layout } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { ValidationError } from "../http/errors.ts";
import { dashboardAccess } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { metricIdsOn } from "../metrics/store.ts";
import { saveWidgets, storedWidgets } from "./layouts.ts";

export function registerLayout(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  route(app, restRoutes.getLayout, async (request): Promise<Layout> => {
    const { dashboardId: id } = await dashboardAccess(db, request, "viewer");
    return { widgets: await storedWidgets(db, id) };
  });

  route(app, restRoutes.putLayout, async (request): Promise<Layout> => {
    const { dashboardId: id } = await dashboardAccess(db, request, "editor");
    const { widgets } = input(request, restRoutes.putLayout, "body");
    // A widget may only show a metric of this dashboard.
    const ids = [...new Set(widgets.flatMap((w) => (w.metric_id ? [w.metric_id] : [])))];
    if (ids.length) {
      const own = await metricIdsOn(db, id, ids);
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
    await saveWidgets(db, id, widgets);
    return { widgets };
  });
}
