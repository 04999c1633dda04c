// Owns the audit log of security-relevant events (the only SQL on audit_events): sign-ins and
// failures, password changes, sessions and API tokens created or revoked, members invited, added,
// removed or re-roled, invitations withdrawn or declined, dashboards deleted, contact points
// changed. Recording never fails the action it records (the action is committed already); it is
// logged instead. Rows older than the retention are purged hourly.
import type { AppContext } from "../context.ts";
import type { Db } from "../db/schema.ts";

export type AuditAction =
  | "login.succeeded"
  | "login.failed"
  | "password.changed"
  | "session.revoked"
  | "identity.linked"
  | "identity.unlinked"
  | "token.created"
  | "token.revoked"
  | "member.added"
  | "member.role_changed"
  | "member.removed"
  | "member.invited"
  | "invitation.withdrawn"
  | "invitation.declined"
  | "dashboard.deleted"
  | "contact_point.changed";

export type AuditInput = {
  action: AuditAction;
  actorUserId?: number | null;
  dashboardId?: number | null;
  address?: string | null;
  detail?: Record<string, unknown>;
};

export async function recordAudit(ctx: AppContext, event: AuditInput): Promise<void> {
  try {
    await ctx.db
      .insertInto("audit_events")
      .values({
        at: Date.now(),
        action: event.action,
        actor_user_id: event.actorUserId ?? null,
        dashboard_id: event.dashboardId ?? null,
        address: event.address ?? null,
        detail: JSON.stringify(event.detail ?? {}),
      })
      .execute();
  } catch (err) {
    ctx.log.warn({ err, action: event.action }, "recording an audit event failed");
  }
}

export type AuditRow = {
  id: number;
  at: number;
  action: string;
  actor_user_id: number | null;
  actor: string | null;
  dashboard_id: number | null;
  address: string | null;
  detail: string;
};

function base(db: Db) {
  return db
    .selectFrom("audit_events")
    .leftJoin("users", "users.id", "audit_events.actor_user_id")
    .select([
      "audit_events.id",
      "audit_events.at",
      "audit_events.action",
      "audit_events.actor_user_id",
      "users.username as actor",
      "audit_events.dashboard_id",
      "audit_events.address",
      "audit_events.detail",
    ])
    .orderBy("audit_events.id", "desc");
}

/** Newest first; `before` (an id) pages back. */
export async function dashboardAudit(db: Db, dashboardId: number, limit: number, before?: number) {
  let q = base(db).where("audit_events.dashboard_id", "=", dashboardId);
  if (before !== undefined) q = q.where("audit_events.id", "<", before);
  return (await q.limit(limit).execute()) as AuditRow[];
}

/** What the user did themselves (sign-ins, password, sessions, tokens), newest first. */
export async function userAudit(db: Db, userId: number, limit: number, before?: number) {
  let q = base(db).where("audit_events.actor_user_id", "=", userId);
  if (before !== undefined) q = q.where("audit_events.id", "<", before);
  return (await q.limit(limit).execute()) as AuditRow[];
}

export async function purgeAudit(db: Db, olderThan: number): Promise<void> {
  await db.deleteFrom("audit_events").where("at", "<", olderThan).execute();
}
