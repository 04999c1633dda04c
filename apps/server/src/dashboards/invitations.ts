// Owns invitations to dashboards (issue 15, the only SQL on dashboard_invitations): an owner
// invites a user name with a role, the user of that name accepts (becoming a member) or declines.
// Inviting never looks at whether an account of the name exists: the row, the answer and the
// owner's list are the same either way, so adding members cannot enumerate user names. A name that
// is a member already is a role change instead (members are visible to the owner anyway).
import type { Invitation, PendingMember } from "@pulseboard/protocol/rest";
import type { Dashboard, Db, Role } from "../db/schema.ts";
import { BadRequestError, NotFoundError } from "../http/errors.ts";
import { invitationDb } from "./invitation-table.ts";
import { putMemberRow } from "./store.ts";

export type InviteOutcome =
  | { kind: "member"; userId: number; previous: Role }
  | { kind: "invited"; previous: Role | undefined };

/**
 * A member of that name gets `role` directly; any other name gets (or keeps, re-roled) a pending
 * invitation. A new invitation past `maxPending` pending ones on the dashboard is refused (400; 0 is
 * no cap). Concurrent invitations may pass the cap by the few that raced: it bounds a flood.
 */
export async function inviteOrSetRole(
  db: Db,
  dashboardId: number,
  username: string,
  role: Role,
  invitedBy: number,
  maxPending: number,
): Promise<InviteOutcome> {
  return db.transaction().execute(async (trx) => {
    const member = await trx
      .selectFrom("dashboard_members")
      .innerJoin("users", "users.id", "dashboard_members.user_id")
      .select(["users.id", "users.username", "dashboard_members.role"])
      .where("dashboard_members.dashboard_id", "=", dashboardId)
      .where("users.username", "=", username)
      .executeTakeFirst();
    if (member) {
      await putMemberRow(trx, dashboardId, member, role);
      return { kind: "member", userId: member.id, previous: member.role };
    }
    const inv = invitationDb(trx);
    const current = await inv
      .selectFrom("dashboard_invitations")
      .select("role")
      .where("dashboard_id", "=", dashboardId)
      .where("username", "=", username)
      .executeTakeFirst();
    if (!current && maxPending > 0) {
      const { n } = await inv
        .selectFrom("dashboard_invitations")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("dashboard_id", "=", dashboardId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= maxPending)
        throw new BadRequestError(
          `This dashboard has ${maxPending} pending invitations, the most allowed (PULSEBOARD_MAX_PENDING_INVITATIONS); withdraw some first`,
        );
    }
    await inv
      .insertInto("dashboard_invitations")
      .values({ dashboard_id: dashboardId, username, role, invited_by: invitedBy, created_at: Date.now() })
      .onConflict((oc) => oc.columns(["dashboard_id", "username"]).doUpdateSet({ role }))
      .execute();
    return { kind: "invited", previous: current?.role };
  });
}

/** The dashboard's pending invitations by name, as its owners see them. */
export async function pendingInvitations(db: Db, dashboardId: number): Promise<PendingMember[]> {
  const rows = await invitationDb(db)
    .selectFrom("dashboard_invitations")
    .select(["id", "username", "role"])
    .where("dashboard_id", "=", dashboardId)
    .orderBy("username")
    .execute();
  return rows.map((r) => ({ invitation_id: r.id, username: r.username, role: r.role, status: "pending" }));
}

/** Withdraws one of the dashboard's invitations; answers its name. 404 when it has no such one. */
export async function withdrawInvitation(db: Db, dashboardId: number, invitationId: number) {
  const gone = await invitationDb(db)
    .deleteFrom("dashboard_invitations")
    .where("id", "=", invitationId)
    .where("dashboard_id", "=", dashboardId)
    .returning(["username", "role"])
    .executeTakeFirst();
  if (!gone) throw new NotFoundError("Invitation not found");
  return gone;
}

/** The pending invitations of a user name, newest first, with each dashboard's name. */
export async function invitationsOf(db: Db, username: string): Promise<Invitation[]> {
  const rows = await invitationDb(db)
    .selectFrom("dashboard_invitations as i")
    .innerJoin("dashboards as d", "d.id", "i.dashboard_id")
    .leftJoin("users as u", "u.id", "i.invited_by")
    .select(["i.id", "i.dashboard_id", "d.name", "i.role", "u.username", "i.created_at"])
    .where("i.username", "=", username)
    .orderBy("i.created_at", "desc")
    .orderBy("i.id", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    dashboard_id: r.dashboard_id,
    dashboard_name: r.name,
    role: r.role,
    invited_by: r.username,
    created_at: new Date(Number(r.created_at)).toISOString(),
  }));
}

/**
 * The invitee accepts: they become a member with the invited role and the invitation is gone.
 * Someone else's invitation, an unknown id and one whose dashboard was deleted are all 404.
 */
export async function acceptInvitation(
  db: Db,
  invitationId: number,
  user: { id: number; username: string },
): Promise<{ dashboard: Dashboard; role: Role; previous: Role | undefined }> {
  return db.transaction().execute(async (trx) => {
    const row = await invitationDb(trx)
      .selectFrom("dashboard_invitations as i")
      .innerJoin("dashboards as d", "d.id", "i.dashboard_id")
      .selectAll("d")
      .select("i.role")
      .where("i.id", "=", invitationId)
      .where("i.username", "=", user.username)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("Invitation not found");
    const { role, ...dashboard } = row;
    const previous = await putMemberRow(trx, dashboard.id, user, role);
    return { dashboard, role, previous };
  });
}

/** The invitee declines; answers the dashboard's id. 404 as for accepting. */
export async function declineInvitation(db: Db, invitationId: number, username: string): Promise<number> {
  const gone = await invitationDb(db)
    .deleteFrom("dashboard_invitations")
    .where("id", "=", invitationId)
    .where("username", "=", username)
    .returning(["dashboard_id"])
    .executeTakeFirst();
  if (!gone) throw new NotFoundError("Invitation not found");
  return gone.dashboard_id;
}
