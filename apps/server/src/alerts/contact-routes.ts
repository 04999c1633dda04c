// Owns the REST API of alert notifications (docs/API.md "Alert notifications"): contact points
// per dashboard with their delivery log and "send test", and silences. Editors manage them all;
// viewers see silences only (contact points hold addresses and URLs they need not see).

import type { Silence } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { requireRole } from "../dashboards/access.ts";
import { NotFoundError, ValidationError } from "../http/errors.ts";
import { dashboardAccess, idParam, noContent, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { type NotifyDeps, publicContactPoint, valuesFromCreate, valuesFromPatch } from "./contact-points.ts";
import {
  type DeliveryRow,
  deleteContactPoint,
  deleteSilence,
  getContactPoint,
  getSilence,
  insertContactPoint,
  insertSilence,
  listContactPoints,
  listDeliveries,
  listSilences,
  type SilenceRow,
  updateContactPoint,
} from "./notify-store.ts";
import type { Outbox } from "./outbox.ts";
import { type AlertDb, ruleIdsOn } from "./store.ts";

function publicSilence(s: SilenceRow): Silence {
  return {
    id: s.id,
    rule_id: s.rule_id,
    ends_at: new Date(Number(s.ends_at)).toISOString(),
    comment: s.comment,
    created_by: s.created_by,
    created_at: new Date(Number(s.created_at)).toISOString(),
  };
}

function publicDelivery(d: DeliveryRow) {
  return {
    id: Number(d.id),
    notification_ids: JSON.parse(d.notification_ids) as number[],
    attempt: d.attempt,
    ok: Number(d.ok) === 1,
    status_code: d.status_code,
    error: d.error,
    duration_ms: Number(d.duration_ms),
    test: Number(d.test) === 1,
    at: new Date(Number(d.at)).toISOString(),
  };
}

export function registerContactPointRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  db: AlertDb,
  outbox: Outbox,
  deps: NotifyDeps,
) {
  /** The contact point if the caller is an editor of its dashboard; 404 for non-members. */
  async function contactPointFor(userId: number, id: number) {
    const row = await getContactPoint(db, id);
    if (!row) throw new NotFoundError("Contact point not found");
    try {
      await requireRole(ctx.db, userId, row.dashboard_id, "editor");
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError("Contact point not found");
      throw error;
    }
    return row;
  }

  /** rule_ids must name rules of this dashboard. */
  async function checkRules(dashboardId: number, ids: number[] | null | undefined) {
    if (!ids || ids.length === 0) return;
    const known = await ruleIdsOn(db, dashboardId, ids);
    const missing = ids.findIndex((id) => !known.has(id));
    if (missing >= 0)
      throw new ValidationError([
        { type: "not_found", loc: ["body", "rule_ids", missing], msg: "no such rule on this dashboard" },
      ]);
  }

  route(app, restRoutes.listContactPoints, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "editor");
    return (await listContactPoints(db, dashboardId)).map(publicContactPoint);
  });

  route(app, restRoutes.createContactPoint, async (request, reply) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "editor");
    const body = input(request, restRoutes.createContactPoint, "body");
    await checkRules(dashboardId, body.rule_ids);
    const row = await insertContactPoint(db, dashboardId, valuesFromCreate(body, deps));
    return reply.status(201).send(publicContactPoint(row));
  });

  route(app, restRoutes.patchContactPoint, async (request) => {
    const { userId } = requireUser(request);
    const row = await contactPointFor(userId, idParam(request, "id", "Contact point"));
    const body = input(request, restRoutes.patchContactPoint, "body");
    await checkRules(row.dashboard_id, body.rule_ids);
    await updateContactPoint(db, row.id, valuesFromPatch(row, body, deps));
    const updated = await getContactPoint(db, row.id);
    if (!updated) throw new NotFoundError("Contact point not found");
    return publicContactPoint(updated);
  });

  route(app, restRoutes.deleteContactPoint, async (request, reply) => {
    const { userId } = requireUser(request);
    const row = await contactPointFor(userId, idParam(request, "id", "Contact point"));
    await deleteContactPoint(db, row.id);
    return noContent(reply);
  });

  route(app, restRoutes.testContactPoint, async (request) => {
    const { userId } = requireUser(request);
    const row = await contactPointFor(userId, idParam(request, "id", "Contact point"));
    return outbox.test(row);
  });

  route(app, restRoutes.listDeliveries, async (request) => {
    const { userId } = requireUser(request);
    const row = await contactPointFor(userId, idParam(request, "id", "Contact point"));
    const q = input(request, restRoutes.listDeliveries, "query");
    return (await listDeliveries(db, row.id, q.limit)).map(publicDelivery);
  });

  route(app, restRoutes.listSilences, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    return (await listSilences(db, dashboardId, Date.now())).map(publicSilence);
  });

  route(app, restRoutes.createSilence, async (request, reply) => {
    const { dashboardId, userId } = await dashboardAccess(ctx.db, request, "editor");
    const body = input(request, restRoutes.createSilence, "body");
    if (body.rule_id !== undefined) await checkRules(dashboardId, [body.rule_id]);
    const endsAt = Date.parse(body.ends_at);
    if (endsAt <= Date.now())
      throw new ValidationError([
        { type: "too_small", loc: ["body", "ends_at"], msg: "must be in the future" },
      ]);
    const row = await insertSilence(db, {
      dashboard_id: dashboardId,
      rule_id: body.rule_id ?? null,
      ends_at: endsAt,
      comment: body.comment ?? "",
      created_by: userId,
    });
    return reply.status(201).send(publicSilence(row));
  });

  route(app, restRoutes.deleteSilence, async (request, reply) => {
    const { userId } = requireUser(request);
    const row = await getSilence(db, idParam(request, "id", "Silence"));
    if (!row) throw new NotFoundError("Silence not found");
    try {
      await requireRole(ctx.db, userId, row.dashboard_id, "editor");
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError("Silence not found");
      throw error;
    }
    await deleteSilence(db, row.id);
    return noContent(reply);
  });
}
