// Owns /dashboards/:id/members: listing (any member), adding/changing and removing (owner).
// Adding does not tell a non-administrator whether a user name exists (issue 15): an unknown name
// gets the same answer as a known one and changes nothing; administrators, who can list every
// user anyway, get the member with its id, or 404.

import type { Member, MemberPutAnswer } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { isAdmin } from "../admin/store.ts";
import { recordAudit } from "../audit/index.ts";
import { findUserByName } from "../auth/users.ts";
import type { AppContext } from "../context.ts";
import { dashboardAccess, idParam, noContent } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { memberRemoved, revokeDashboard } from "../ws/revoke.ts";
import { roleOf } from "./access.ts";
import { listMembers, removeMember, setMember } from "./store.ts";

export function registerMembers(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  route(app, restRoutes.listMembers, async (request): Promise<Member[]> => {
    const { dashboardId: id } = await dashboardAccess(db, request, "viewer");
    return listMembers(db, id);
  });

  route(app, restRoutes.putMember, async (request): Promise<MemberPutAnswer> => {
    const { dashboardId: id, userId } = await dashboardAccess(db, request, "owner");
    const { username, role } = input(request, restRoutes.putMember, "body");
    const admin = await isAdmin(db, userId);
    const target = await findUserByName(db, username);
    if (!target && !admin) return { username, role };
    const previous = target ? await roleOf(db, target.id, id) : undefined;
    const member = await setMember(db, id, username, role);
    if (previous !== role)
      await recordAudit(ctx, {
        action: previous === undefined ? "member.added" : "member.role_changed",
        actorUserId: userId,
        dashboardId: id,
        address: request.ip,
        detail: { user_id: member.user_id, username: member.username, role, previous_role: previous ?? null },
      });
    return admin ? member : { username: member.username, role };
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
}
