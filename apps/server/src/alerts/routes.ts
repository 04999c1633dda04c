// Owns the alerting REST API (docs/API.md "Alerts"): rules per dashboard (editors create, change
// and delete them; members read them), their current states, and events (any member lists them and
// acknowledges the open one).

import { restRoutes } from "@pulseboard/protocol/rest-routes";
import { SelectorError } from "@pulseboard/protocol/series";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { requireRole } from "../dashboards/access.ts";
import { ConflictError, NotFoundError, ValidationError } from "../http/errors.ts";
import { dashboardAccess, idParam, noContent, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { metricIdsOn } from "../metrics/store.ts";
import { changeRule, removeRule } from "./rule-changes.ts";
import { type AlertRule, publicRule } from "./schema.ts";
import { createSelectorRules } from "./selector-rules.ts";
import type { AlertService } from "./service.ts";
import { listStates } from "./states.ts";
import {
  type AlertDb,
  acknowledge,
  getEvent,
  getRule,
  insertRule,
  listEvents,
  listRules,
  ruleEvents,
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
    if (!rule) throw new NotFoundError("Alert rule not found");
    try {
      await requireRole(ctx.db, userId, rule.dashboard_id, min);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError("Alert rule not found");
      throw error;
    }
    return rule;
  }

  route(app, restRoutes.listAlertRules, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    return (await listRules(db, dashboardId)).map(publicRule);
  });

  route(app, restRoutes.createAlertRule, async (request, reply) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "editor");
    const body = input(request, restRoutes.createAlertRule, "body");
    // Another dashboard's metric is "not on this dashboard", whether or not it exists.
    if (!(await metricIdsOn(ctx.db, dashboardId, [body.metric_id])).has(body.metric_id)) {
      throw new ValidationError([
        { type: "not_found", loc: ["body", "metric_id"], msg: "no such metric on this dashboard" },
      ]);
    }
    const rule = await insertRule(db, dashboardId, body);
    service.ruleChanged(rule.metric_id, rule.id);
    return reply.status(201).send(publicRule(rule));
  });

  route(app, restRoutes.createSelectorAlertRules, async (request, reply) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "editor");
    const { selector, ...settings } = input(request, restRoutes.createSelectorAlertRules, "body");
    let rules: AlertRule[];
    try {
      rules = await createSelectorRules(ctx.db, dashboardId, selector, settings);
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      throw new ValidationError([
        { type: "invalid_selector", loc: ["body", "selector"], msg: error.message },
      ]);
    }
    for (const rule of rules) service.ruleChanged(rule.metric_id, rule.id);
    return reply.status(201).send({ selector, rules: rules.map(publicRule) });
  });

  route(app, restRoutes.patchAlertRule, async (request) => {
    const { userId } = requireUser(request);
    const rule = await ruleFor(userId, idParam(request, "id", "Alert rule"), "editor");
    const body = input(request, restRoutes.patchAlertRule, "body");
    const updated = await changeRule(db, service, rule, body);
    if (!updated) throw new NotFoundError("Alert rule not found");
    return publicRule(updated);
  });

  route(app, restRoutes.deleteAlertRule, async (request, reply) => {
    const { userId } = requireUser(request);
    const rule = await ruleFor(userId, idParam(request, "id", "Alert rule"), "editor");
    await removeRule(db, service, rule);
    return noContent(reply);
  });

  route(app, restRoutes.alertStates, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    return listStates(db, dashboardId, Date.now());
  });

  route(app, restRoutes.ruleEvents, async (request) => {
    const { userId } = requireUser(request);
    const rule = await ruleFor(userId, idParam(request, "id", "Alert rule"), "viewer");
    const q = input(request, restRoutes.ruleEvents, "query");
    return ruleEvents(db, rule.id, q.limit);
  });

  route(app, restRoutes.listAlerts, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    const q = input(request, restRoutes.listAlerts, "query");
    return listEvents(db, dashboardId, {
      limit: q.limit,
      state: q.state,
      unacknowledged: q.unacknowledged === "true",
    });
  });

  route(app, restRoutes.acknowledgeAlert, async (request) => {
    const { userId } = requireUser(request);
    const id = idParam(request, "id", "Alert");
    const event = await getEvent(db, id);
    if (!event) throw new NotFoundError("Alert not found");
    try {
      await requireRole(ctx.db, userId, event.dashboard_id, "viewer");
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError("Alert not found");
      throw error;
    }
    const acked = await acknowledge(db, id, userId);
    if (!acked) throw new ConflictError("This alert is no longer open: acknowledge the rule's current state");
    return acked;
  });
}
