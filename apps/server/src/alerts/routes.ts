// Owns the alerting REST API (docs/API.md "Alerts"): rules per dashboard (editors create, change
// and delete them; members read them) and events (any member lists and acknowledges them).

import { alertEventsQuery } from "@pulseboard/client/rest";
import type { FastifyInstance } from "fastify";
import { dashboardAccess, idParam, noContent, parse, requireUser } from "../api/http.ts";
import type { AppContext } from "../context.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { requireRole } from "../model/access.ts";
import { createRuleBody, patchRuleBody, publicRule } from "./schema.ts";
import type { AlertService } from "./service.ts";
import {
  type AlertDb,
  acknowledge,
  deleteRule,
  getEvent,
  getRule,
  insertRule,
  listEvents,
  listRules,
  updateRule,
} from "./store.ts";

export function registerAlertRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  db: AlertDb,
  service: AlertService,
) {
  /** The rule if the caller holds `min` on its dashboard; 404 for non-members (no leak). */
  async function ruleFor(userId: number, id: number, min: "viewer" | "editor") {
    const rule = await getRule(db, id);
    if (!rule) throw new NotFoundError("Alert rule");
    try {
      await requireRole(ctx.db, userId, rule.dashboard_id, min);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError("Alert rule");
      throw error;
    }
    return rule;
  }

  app.get("/api/v1/dashboards/:id/alert-rules", async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    return (await listRules(db, dashboardId)).map(publicRule);
  });

  app.post("/api/v1/dashboards/:id/alert-rules", async (request, reply) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "editor");
    const body = parse(createRuleBody, request.body, "body");
    const metric = await ctx.db
      .selectFrom("metrics")
      .select("id")
      .where("id", "=", body.metric_id)
      .where("dashboard_id", "=", dashboardId)
      .executeTakeFirst();
    // Another dashboard's metric is "not on this dashboard", whether or not it exists.
    if (!metric) {
      throw new ValidationError([
        { type: "not_found", loc: ["body", "metric_id"], msg: "no such metric on this dashboard" },
      ]);
    }
    const rule = await insertRule(db, dashboardId, body);
    service.ruleChanged(rule.metric_id, rule.id);
    return reply.status(201).send(publicRule(rule));
  });

  app.patch("/api/v1/alert-rules/:id", async (request) => {
    const { userId } = requireUser(request);
    const rule = await ruleFor(userId, idParam(request, "id", "Alert rule"), "editor");
    const body = parse(patchRuleBody, request.body, "body");
    const updated = await updateRule(db, rule.id, body);
    if (!updated) throw new NotFoundError("Alert rule");
    service.ruleChanged(rule.metric_id, rule.id);
    return publicRule(updated);
  });

  app.delete("/api/v1/alert-rules/:id", async (request, reply) => {
    const { userId } = requireUser(request);
    const rule = await ruleFor(userId, idParam(request, "id", "Alert rule"), "editor");
    await deleteRule(db, rule.id);
    service.ruleChanged(rule.metric_id, rule.id);
    return noContent(reply);
  });

  app.get("/api/v1/dashboards/:id/alerts", async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    const q = parse(alertEventsQuery, request.query, "query");
    return listEvents(db, dashboardId, {
      limit: q.limit,
      state: q.state,
      unacknowledged: q.unacknowledged === "true",
    });
  });

  app.post("/api/v1/alerts/:id/ack", async (request) => {
    const { userId } = requireUser(request);
    const id = idParam(request, "id", "Alert");
    const event = await getEvent(db, id);
    if (!event) throw new NotFoundError("Alert");
    try {
      await requireRole(ctx.db, userId, event.dashboard_id, "viewer");
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError("Alert");
      throw error;
    }
    const acked = await acknowledge(db, id, userId);
    if (!acked) throw new NotFoundError("Alert");
    return acked;
  });
}
