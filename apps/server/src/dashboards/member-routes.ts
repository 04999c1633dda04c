// Owns /dashboards/:id/members and /dashboards/:id/invitations: listing (any member; owners also
// see the pending invitations), inviting or re-roling and removing (owner), withdrawing an
// invitation (owner). Adding does not tell a non-administrator whether a user name exists (issue
// 15): a name that is not a member yet gets an invitation, answered and listed the same whether or
// not such an account exists; only its user, by accepting, becomes a member. Administrators, who
// can list every user anyway, add an existing user directly (404 for an unknown name).

import type { MemberListEntry, MemberPutAnswer } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { isAdmin } from "../admin/store.ts";
import { recordAudit } from "../audit/index.ts";
import { findUserByName } from "../auth/users.ts";
import type { AppContext } from "../context.ts";
import { dashboardAccess, idParam, noContent } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { memberRemoved, revokeDashboard } from "../ws/revoke.ts";
import { roleAtLeast, roleOf } from "./access.ts";
import { inviteOrSetRole, pendingInvitations, withdrawInvitation } from "./invitations.ts";
import { listMembers, removeMember, setMember } from "./store.ts";

export function registerMembers(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  route(app, restRoutes.listMembers, async (request): Promise<MemberListEntry[]> => {
    const { dashboardId: id, role } = await dashboardAccess(db, request, "viewer");
    const members: MemberListEntry[] = await listMembers(db, id);
    return roleAtLeast(role, "owner") ? [...members, ...(await pendingInvitations(db, id))] : members;
  });

  route(app, restRoutes.putMember, async (request): Promise<MemberPutAnswer> => {
    const { dashboardId: id, userId } = await dashboardAccess(db, request, "owner");
    const { username, role } = input(request, restRoutes.putMember, "body");
    const audit = (
      action: "member.added" | "member.role_changed" | "member.invited",
      detail: Record<string, unknown>,
    ) => recordAudit(ctx, { action, actorUserId: userId, dashboardId: id, address: request.ip, detail });

    if (await isAdmin(db, userId)) {
      const target = await findUserByName(db, username);
      const previous = target ? await roleOf(db, target.id, id) : undefined;
      const member = await setMember(db, id, username, role);
      if (previous !== role)
        await audit(previous === undefined ? "member.added" : "member.role_changed", {
          user_id: member.user_id,
          username: member.username,
          role,
          previous_role: previous ?? null,
        });
      return { ...member, status: "member" };
    }

    const outcome = await inviteOrSetRole(db, id, username, role, userId, ctx.config.maxPendingInvitations);
    if (outcome.kind === "member") {
      if (outcome.previous !== role)
        await audit("member.role_changed", {
          user_id: outcome.userId,
          username,
          role,
          previous_role: outcome.previous,
        });
      return { user_id: outcome.userId, username, role, status: "member" };
    }
    if (outcome.previous !== role)
      await audit("member.invited", { username, role, previous_role: outcome.previous ?? null });
    return { username, role, status: "invited" };
  });

  route(app, restRoutes.removeMember, async (request, reply) => {
    const { dashboardId: id, userId: actor } = await dashboardAccess(db, request, "owner");
    const userId = idParam(request, "userId", "Member");
    await removeMember(db, id, userId);
    await revokeDashboard(ctx, id, memberRemoved(userId));
    await recordAudit(ctx, {
      action: "member.removed",
      actorUserId: actor,
      dashboardId: id,
      address: request.ip,
      detail: { user_id: userId },
    });
    return noContent(reply);
  });

  route(app, restRoutes.withdrawInvitation, async (request, reply) => {
    const { dashboardId: id, userId: actor } = await dashboardAccess(db, request, "owner");
    const invitationId = idParam(request, "invitationId", "Invitation");
    const gone = await withdrawInvitation(db, id, invitationId);
    await recordAudit(ctx, {
      action: "invitation.withdrawn",
      actorUserId: actor,
      dashboardId: id,
      address: request.ip,
      detail: { username: gone.username, role: gone.role },
    });
    return noContent(reply);
  });
}
