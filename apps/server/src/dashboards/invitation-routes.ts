// Owns /invitations: the signed-in user's pending invitations to dashboards (matched by their user
// name, so an account created after the invitation finds it), accepting (they become a member with
// the invited role) and declining. Anyone else's invitation answers 404 exactly like a missing one.
import type { DashboardSummary, Invitation } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { recordAudit } from "../audit/index.ts";
import type { AppContext } from "../context.ts";
import { idParam, noContent, requireUser } from "../http/http.ts";
import { route } from "../http/route.ts";
import { acceptInvitation, declineInvitation, invitationsOf } from "./invitations.ts";
import { dashboardJson } from "./store.ts";

export function registerInvitations(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  route(app, restRoutes.listInvitations, async (request): Promise<Invitation[]> => {
    return invitationsOf(db, requireUser(request).username);
  });

  route(app, restRoutes.acceptInvitation, async (request): Promise<DashboardSummary> => {
    const { userId, username } = requireUser(request);
    const invitationId = idParam(request, "id", "Invitation");
    const accepted = await acceptInvitation(db, invitationId, { id: userId, username });
    await recordAudit(ctx, {
      action: "member.added",
      actorUserId: userId,
      dashboardId: accepted.dashboard.id,
      address: request.ip,
      detail: {
        user_id: userId,
        username,
        role: accepted.role,
        previous_role: accepted.previous ?? null,
        via: "invitation",
      },
    });
    return dashboardJson(accepted.dashboard, accepted.role);
  });

  route(app, restRoutes.declineInvitation, async (request, reply) => {
    const { userId, username } = requireUser(request);
    const invitationId = idParam(request, "id", "Invitation");
    const dashboardId = await declineInvitation(db, invitationId, username);
    await recordAudit(ctx, {
      action: "invitation.declined",
      actorUserId: userId,
      dashboardId,
      address: request.ip,
      detail: { username },
    });
    return noContent(reply);
  });
}
