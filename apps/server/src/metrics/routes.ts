// Owns metric definitions over REST and their history: /dashboards/:id/metrics, /metrics/:id,
// /metrics/:id/values (range, limit, downsampling).

import type { Metric } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import { parseSelector, type Selector, SelectorError, selects, seriesKey } from "@pulseboard/protocol/series";
import type { FastifyInstance } from "fastify";
import { alertServiceOf } from "../alerts/index.ts";
import type { AppContext } from "../context.ts";
import { listMetrics, metricJson } from "../dashboards/store.ts";
import { ValidationError } from "../http/errors.ts";
import { dashboardAccess, idParam, noContent, queryRange, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { announceConfig } from "../ws/config.ts";
import { assertMetricNameFree, createMetric, deleteMetric, metricFor, updateMetric } from "./store.ts";

/** The `?selector=` of a request, or a 400 saying what is wrong with it. */
function selectorOf(text: string): Selector {
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorError)
      throw new ValidationError(
        [{ type: "invalid_selector", loc: ["query", "selector"], msg: error.message }],
        "Invalid series selector",
      );
    throw error;
  }
}

export function registerMetrics(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  route(app, restRoutes.listMetrics, async (request): Promise<Metric[]> => {
    const { dashboardId: id } = await dashboardAccess(db, request, "viewer");
    const { selector: text } = input(request, restRoutes.listMetrics, "query");
    const metrics = await listMetrics(db, id);
    if (text === undefined) return metrics.map(metricJson);
    const selector = selectorOf(text);
    return metrics.filter((m) => selects(selector, m.name)).map(metricJson);
  });

  route(app, restRoutes.createMetric, async (request, reply) => {
    const { dashboardId: id } = await dashboardAccess(db, request, "editor");
    const body = input(request, restRoutes.createMetric, "body");
    const { labels, ...definition } = body;
    const metric = await createMetric(db, id, {
      ...definition,
      name: labels ? seriesKey(definition.name, labels) : definition.name,
    });
    await announceConfig(ctx, id);
    return reply.status(201).send(metricJson(metric));
  });

  route(app, restRoutes.patchMetric, async (request): Promise<Metric> => {
    const { userId } = requireUser(request);
    const metric = await metricFor(db, userId, idParam(request, "id", "Metric"), "editor");
    const body = input(request, restRoutes.patchMetric, "body");
    if (body.name !== undefined && body.name !== metric.name)
      await assertMetricNameFree(db, metric.dashboard_id, body.name);
    await updateMetric(db, metric.id, body);
    await announceConfig(ctx, metric.dashboard_id);
    return metricJson({ ...metric, ...body });
  });

  route(app, restRoutes.deleteMetric, async (request, reply) => {
    const { userId } = requireUser(request);
    const metric = await metricFor(db, userId, idParam(request, "id", "Metric"), "editor");
    await deleteMetric(db, metric);
    alertServiceOf(ctx)?.ruleChanged(metric.id); // its rules went with it
    await announceConfig(ctx, metric.dashboard_id);
    return noContent(reply);
  });

  route(app, restRoutes.metricValues, async (request, reply) => {
    const { userId } = requireUser(request);
    const metric = await metricFor(db, userId, idParam(request, "id", "Metric"), "viewer");
    const q = input(request, restRoutes.metricValues, "query");
    const range = queryRange(q);
    const { storage } = ctx;
    const seriesId = await storage.series.idFor(metric.id);
    // Aggregated and serialized in a read worker: the answer arrives as JSON text.
    const answer = await storage.reader.limited(userId, () =>
      storage.reader.run<string>({
        op: "values",
        metricId: metric.id,
        seriesId,
        kind: metric.type,
        range,
        limit: q.limit,
        points: q.points,
        retention: storage.config.retention,
      }),
    );
    return reply.type("application/json; charset=utf-8").send(answer);
  });
}
