// Owns the audit log's routes and upkeep: GET /dashboards/:id/audit (owners: what happened to
// their dashboard) and GET /me/audit (a user's own sign-ins, tokens and sessions), and the hourly
// purge of events older than PULSEBOARD_AUDIT_RETENTION_DAYS.

import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { dashboardAccess, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { type AuditRow, dashboardAudit, purgeAudit, userAudit } from "./store.ts";

export { type AuditAction, recordAudit } from "./store.ts";

function publicEvent(row: AuditRow) {
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(row.detail) as Record<string, unknown>;
  } catch {}
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    action: row.action,
    actor: row.actor_user_id === null ? null : { id: row.actor_user_id, username: row.actor ?? null },
    dashboard_id: row.dashboard_id,
    address: row.address,
    detail,
  };
}

export async function auditPlugin(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.dashboardAudit, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "owner");
    const { limit, before } = input(request, restRoutes.dashboardAudit, "query");
    return (await dashboardAudit(ctx.db, dashboardId, limit, before)).map(publicEvent);
  });

  route(app, restRoutes.myAudit, async (request) => {
    const { userId } = requireUser(request);
    const { limit, before } = input(request, restRoutes.myAudit, "query");
    return (await userAudit(ctx.db, userId, limit, before)).map(publicEvent);
  });

  const retentionMs = ctx.config.auditRetentionDays * 86_400_000;
  if (retentionMs > 0) {
    const purge = () =>
      purgeAudit(ctx.db, Date.now() - retentionMs).catch((err) =>
        ctx.log.warn({ err }, "purging old audit events failed"),
      );
    const timer = setInterval(purge, 3600_000);
    timer.unref();
    app.addHook("onClose", async () => clearInterval(timer));
    void purge();
  }
}
