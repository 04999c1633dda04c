// Owns self-service account security: changing one's own password (checked against the current
// one and the password policy; every other session of the user is signed out and its sockets
// closed) and the list of one's sessions with revoking any of them.

import type { SessionInfo } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { recordAudit } from "../audit/index.ts";
import type { AppContext } from "../context.ts";
import { NotFoundError, UnauthorizedError, ValidationError } from "../http/errors.ts";
import { noContent, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { revokeAccess, sessionGroup, sessionRevoked } from "../ws/revoke.ts";
import { hashPoolOf } from "./hash-pool.ts";
import { passwordProblems } from "./password-policy.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { deleteOtherSessions, deleteUserSession, listSessions } from "./sessions.ts";
import { passwordHashOf, setPasswordHash } from "./users.ts";

export function registerAccount(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;
  const pool = () => hashPoolOf(ctx, ctx.config.passwordHashConcurrency, ctx.config.passwordHashQueue);

  route(app, restRoutes.changePassword, async (request, reply) => {
    const principal = requireUser(request);
    const body = input(request, restRoutes.changePassword, "body");
    const current = await passwordHashOf(db, principal.userId);
    if (!(await pool().run(() => verifyPassword(body.current_password, current))))
      throw new UnauthorizedError("The current password is not correct");
    const problems = passwordProblems(body.new_password, {
      username: principal.username,
      minLength: ctx.config.passwordMinLength,
    });
    if (problems.length)
      throw new ValidationError(
        problems.map((msg) => ({ type: "password_policy", loc: ["body", "new_password"], msg })),
        "The new password does not meet the password policy",
      );
    const hash = await pool().run(() => hashPassword(body.new_password));
    await setPasswordHash(db, principal.userId, hash);
    // Whoever else knew the old password is signed out everywhere; the caller stays signed in.
    const gone = await deleteOtherSessions(db, principal.userId, principal.session?.idHash);
    for (const idHash of gone) await revokeAccess(ctx, sessionGroup(idHash), sessionRevoked);
    await recordAudit(ctx, {
      action: "password.changed",
      actorUserId: principal.userId,
      address: request.ip,
      detail: { sessions_signed_out: gone.length },
    });
    return noContent(reply);
  });

  route(app, restRoutes.listSessions, async (request): Promise<SessionInfo[]> => {
    const principal = requireUser(request);
    const rows = await listSessions(db, principal.userId);
    return rows.map((r) => ({
      id: r.id_hash,
      created_at: new Date(Number(r.created_at)).toISOString(),
      expires_at: new Date(Number(r.expires_at)).toISOString(),
      user_agent: r.user_agent,
      address: r.address,
      current: r.id_hash === principal.session?.idHash,
    }));
  });

  route(app, restRoutes.revokeSession, async (request, reply) => {
    const principal = requireUser(request);
    const idHash = (request.params as { sessionId?: string }).sessionId ?? "";
    // Another user's session id answers like one that does not exist.
    if (!/^[0-9a-f]{64}$/.test(idHash) || !(await deleteUserSession(db, principal.userId, idHash)))
      throw new NotFoundError("Session not found");
    await revokeAccess(ctx, sessionGroup(idHash), sessionRevoked);
    await recordAudit(ctx, { action: "session.revoked", actorUserId: principal.userId, address: request.ip });
    return noContent(reply);
  });
}
