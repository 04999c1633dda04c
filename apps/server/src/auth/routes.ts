// Owns /auth: login (session cookie + CSRF token), logout, and "who am I"; and the one way a
// session is issued, which single sign-on (sso/routes.ts) uses too.

import type { LoginAnswer, MeAnswer } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isAdmin } from "../admin/store.ts";
import { recordAudit } from "../audit/index.ts";
import type { AppContext } from "../context.ts";
import type { SessionMethod } from "../db/schema.ts";
import { ForbiddenError, LocalLoginOffError, RateLimitedError, UnauthorizedError } from "../http/errors.ts";
import { noContent, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { credentialGroup, revokeAccess, signedOut } from "../ws/revoke.ts";
import { hashPoolOf } from "./hash-pool.ts";
import { clearLoginFailures, lockedFor, loginKeys, recordLoginFailures } from "./login-limiter.ts";
import { dummyHash, verifyPassword } from "./passwords.ts";
import { createSession, deleteSession, SESSION_COOKIE } from "./sessions.ts";
import { findUserByName, getPreferences } from "./users.ts";

/** A new session for the user: the HttpOnly cookie on `reply`, the CSRF token returned. */
export async function issueSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: number,
  method: SessionMethod = "password",
): Promise<string> {
  const session = await createSession(
    ctx.db,
    userId,
    ctx.config.sessionTtlMs,
    { userAgent: request.headers["user-agent"], address: request.ip },
    method,
  );
  reply.setCookie(SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: ctx.config.secureCookies,
    maxAge: Math.floor(ctx.config.sessionTtlMs / 1000),
  });
  return session.csrfToken;
}

export function registerAuth(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.login, async (request, reply) => {
    // Before anything is read or hashed: with password login off, no password is ever checked.
    if (!ctx.config.localLogin) throw new LocalLoginOffError();
    const { username, password } = input(request, restRoutes.login, "body");
    // Failed logins per address + user name, per address and per user name, counted across the
    // cluster (login-limiter.ts).
    const keys = loginKeys(request.ip, username, {
      perAddress: ctx.config.loginFailuresPerAddress,
      perUsername: ctx.config.loginFailuresPerUsername,
    });
    const wait = await lockedFor(ctx.db, keys);
    if (wait !== undefined)
      throw new RateLimitedError(`Too many failed logins; try again in ${wait} s`, wait);
    const user = await findUserByName(ctx.db, username);
    // Verify against a dummy hash for unknown users so timing does not reveal who exists; at most
    // a few hashes at once (hash-pool.ts), so a flood is refused instead of queueing everyone.
    const pool = hashPoolOf(ctx, ctx.config.passwordHashConcurrency, ctx.config.passwordHashQueue);
    const stored = user?.password_hash ?? (await dummyHash);
    const ok = await pool.run(() => verifyPassword(password, stored));
    if (!user || !ok) {
      await recordLoginFailures(ctx.db, keys);
      // The name only when it is a user's: what people type there is sometimes a password.
      await recordAudit(ctx, {
        action: "login.failed",
        actorUserId: user?.id ?? null,
        address: request.ip,
        detail: user ? { username: user.username } : {},
      });
      throw new UnauthorizedError("Invalid username or password");
    }
    await clearLoginFailures(ctx.db, keys[0]!.key);
    // Only after the right password: a disabled account is told so, a guesser learns nothing.
    if (user.disabled_at !== null) throw new ForbiddenError("This account is disabled; ask an administrator");
    await recordAudit(ctx, { action: "login.succeeded", actorUserId: user.id, address: request.ip });
    const csrfToken = await issueSession(ctx, request, reply, user.id);
    return { user: { id: user.id, username: user.username }, csrfToken } satisfies LoginAnswer;
  });

  route(app, restRoutes.logout, async (request, reply) => {
    const principal = requireUser(request);
    if (principal.session) {
      await deleteSession(ctx.db, principal.session.idHash);
      await revokeAccess(ctx, credentialGroup(principal)!, signedOut);
    }
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return noContent(reply);
  });

  route(app, restRoutes.me, async (request) => {
    const principal = requireUser(request);
    return {
      user: {
        id: principal.userId,
        username: principal.username,
        admin: await isAdmin(ctx.db, principal.userId),
      },
      // Token callers have no session, hence no CSRF token (they never need one).
      csrfToken: principal.session?.csrfToken ?? null,
      // A single sign-on session's sign-out goes on to the provider, which ends its session too.
      signOutUrl: principal.session?.method === "oidc" && ctx.config.oidc ? restRoutes.oidcLogout.path : null,
      preferences: await getPreferences(ctx.db, principal.userId),
    } satisfies MeAnswer;
  });
}
