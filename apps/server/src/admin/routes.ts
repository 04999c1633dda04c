// Owns the administration REST API: /api/v1/admin/users (administrators: list, create, disable,
// promote, delete, reset passwords), /api/v1/teams (everyone signed in reads; administrators
// change), and a dashboard's teams and access list (its owners). Disabling, deleting or
// resetting a user closes their open WebSockets (4001) on every node.

import { randomBytes } from "node:crypto";
import { resetPasswordBody } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { createUser } from "../auth/users.ts";
import type { AppContext } from "../context.ts";
import { roleOf } from "../dashboards/access.ts";
import { ForbiddenError, NotFoundError } from "../http/errors.ts";
import { dashboardAccess, idParam, noContent, parse, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { memberRemoved, revokeAccess, revokeDashboard, sessionGroup, tokenGroup } from "../ws/revoke.ts";
import * as store from "./store.ts";

async function requireAdmin(ctx: AppContext, request: FastifyRequest) {
  const principal = requireUser(request);
  if (!(await store.isAdmin(ctx.db, principal.userId)))
    throw new ForbiddenError("This needs an instance administrator");
  return principal;
}

/** Closes every open socket of the user (all their tokens and sessions), on every node. */
export async function closeSocketsOf(ctx: AppContext, userId: number, reason: string): Promise<void> {
  const { tokenIds, sessionHashes } = await store.credentialsOf(ctx.db, userId);
  const event = { user_id: userId, code: 4001 as const, reason };
  await Promise.all([
    ...tokenIds.map((id) => revokeAccess(ctx, tokenGroup(id), event)),
    ...sessionHashes.map((h) => revokeAccess(ctx, sessionGroup(h), event)),
  ]);
}

/** After a team change: users who no longer reach a dashboard by any route lose its sockets (4003). */
async function revokeLost(ctx: AppContext, grants: Array<{ dashboardId: number; userId: number }>) {
  for (const { dashboardId, userId } of grants)
    if ((await roleOf(ctx.db, userId, dashboardId)) === undefined)
      await revokeDashboard(ctx, dashboardId, memberRemoved(userId));
}

export function registerAdmin(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  route(app, restRoutes.listUsers, async (request) => {
    await requireAdmin(ctx, request);
    return store.listUsers(db);
  });

  route(app, restRoutes.createUser, async (request, reply) => {
    await requireAdmin(ctx, request);
    const body = input(request, restRoutes.createUser, "body");
    const password = body.password ?? randomBytes(12).toString("base64url");
    const user = await createUser(db, body.username, password);
    if (body.admin) await store.updateUser(db, user.id, { admin: true });
    const created = (await store.listUsers(db)).find((u) => u.id === user.id);
    return reply.status(201).send({ user: created, ...(body.password ? {} : { password }) });
  });

  route(app, restRoutes.patchUser, async (request) => {
    await requireAdmin(ctx, request);
    const id = idParam(request, "id", "User");
    const change = input(request, restRoutes.patchUser, "body");
    const user = await store.updateUser(db, id, change);
    if (change.disabled) {
      await closeSocketsOf(ctx, id, "Your account was disabled");
      await store.deleteSessionsOf(db, id);
    }
    return user;
  });

  route(app, restRoutes.deleteUser, async (request, reply) => {
    const me = await requireAdmin(ctx, request);
    const id = idParam(request, "id", "User");
    if (id === me.userId) throw new ForbiddenError("You cannot delete your own account here");
    await store.userById(db, id);
    await closeSocketsOf(ctx, id, "Your account was deleted");
    await store.deleteUser(db, id);
    return noContent(reply);
  });

  route(
    app,
    restRoutes.resetPassword,
    async (request) => {
      await requireAdmin(ctx, request);
      const id = idParam(request, "id", "User");
      const body = parse(resetPasswordBody, request.body ?? {}, "body");
      const password = body.password ?? randomBytes(12).toString("base64url");
      await closeSocketsOf(ctx, id, "Your password was reset");
      await store.resetPassword(db, id, password);
      return body.password ? { reset: true as const } : { reset: true as const, password };
    },
    // Not validated by Fastify: no body at all means "generate a password".
    { validate: false },
  );

  route(app, restRoutes.listTeams, async (request) => {
    requireUser(request);
    return store.listTeams(db);
  });

  route(app, restRoutes.createTeam, async (request, reply) => {
    await requireAdmin(ctx, request);
    const { name } = input(request, restRoutes.createTeam, "body");
    return reply.status(201).send(await store.createTeam(db, name));
  });

  route(app, restRoutes.deleteTeam, async (request, reply) => {
    await requireAdmin(ctx, request);
    const id = idParam(request, "id", "Team");
    const grants = await store.teamGrants(ctx.db, id);
    await store.deleteTeam(db, id);
    await revokeLost(ctx, grants);
    return noContent(reply);
  });

  route(app, restRoutes.addTeamMember, async (request) => {
    await requireAdmin(ctx, request);
    const team = await store.teamByRef(db, idParam(request, "id", "Team"));
    const { username } = input(request, restRoutes.addTeamMember, "body");
    const user = await store.userByName(db, username);
    await store.addTeamMember(db, team.id, user.id);
    const answer = (await store.listTeams(db)).find((t) => t.id === team.id);
    if (!answer) throw new NotFoundError("Team not found"); // deleted meanwhile
    return answer;
  });

  route(app, restRoutes.removeTeamMember, async (request, reply) => {
    await requireAdmin(ctx, request);
    const team = await store.teamByRef(db, idParam(request, "id", "Team"));
    const userId = idParam(request, "userId", "User");
    const grants = (await store.teamGrants(ctx.db, team.id)).filter((g) => g.userId === userId);
    await store.removeTeamMember(db, team.id, userId);
    await revokeLost(ctx, grants);
    return noContent(reply);
  });

  route(app, restRoutes.listDashboardTeams, async (request) => {
    const { dashboardId } = await dashboardAccess(db, request, "viewer");
    return store.dashboardTeams(db, dashboardId);
  });

  route(app, restRoutes.putDashboardTeam, async (request) => {
    const { dashboardId } = await dashboardAccess(db, request, "owner");
    const { team_id, role } = input(request, restRoutes.putDashboardTeam, "body");
    await store.teamByRef(db, team_id);
    await store.setDashboardTeam(db, dashboardId, team_id, role);
    return store.dashboardTeams(db, dashboardId);
  });

  route(app, restRoutes.removeDashboardTeam, async (request, reply) => {
    const { dashboardId } = await dashboardAccess(db, request, "owner");
    const teamId = idParam(request, "teamId", "Team");
    const grants = await store.teamGrants(ctx.db, teamId, dashboardId);
    await store.removeDashboardTeam(db, dashboardId, teamId);
    await revokeLost(ctx, grants);
    return noContent(reply);
  });

  /** Owners see who has access and through what: their own membership or which team. */
  route(app, restRoutes.dashboardAccess, async (request) => {
    const { dashboardId } = await dashboardAccess(db, request, "owner");
    return store.accessOf(db, dashboardId);
  });
}
