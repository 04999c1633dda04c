// Owns /auth: login (session cookie + CSRF token), logout, and "who am I".
import { type LoginAnswer, loginBody, type MeAnswer } from "@pulseboard/client/rest";
import type { FastifyInstance } from "fastify";
import { clearLoginFailures, loginKey, loginLocked, recordLoginFailure } from "../auth/login-limiter.ts";
import { dummyHash, verifyPassword } from "../auth/passwords.ts";
import { createSession, deleteSession, SESSION_COOKIE } from "../auth/sessions.ts";
import type { AppContext } from "../context.ts";
import { ForbiddenError, RateLimitedError, UnauthorizedError } from "../errors.ts";
import { findUserByName, getPreferences } from "../model/users.ts";
import { credentialGroup, revokeAccess, signedOut } from "../ws/revoke.ts";
import { noContent, parse, requireUser } from "./http.ts";

export function registerAuth(app: FastifyInstance, ctx: AppContext) {
  app.post("/api/v1/auth/login", async (request, reply) => {
    const { username, password } = parse(loginBody, request.body, "body");
    // Failed logins per address + user name, counted across the cluster (login-limiter.ts).
    const key = loginKey(request.ip, username);
    if (await loginLocked(ctx.db, key))
      throw new RateLimitedError("Too many failed logins; try again in a minute");
    const user = await findUserByName(ctx.db, username);
    // Verify against a dummy hash for unknown users so timing does not reveal who exists.
    const ok = await verifyPassword(password, user?.password_hash ?? (await dummyHash));
    if (!user || !ok) {
      await recordLoginFailure(ctx.db, key);
      throw new UnauthorizedError("Invalid username or password");
    }
    await clearLoginFailures(ctx.db, key);
    // Only after the right password: a disabled account is told so, a guesser learns nothing.
    if (user.disabled_at !== null) throw new ForbiddenError("This account is disabled; ask an administrator");
    const session = await createSession(ctx.db, user.id, ctx.config.sessionTtlMs);
    reply.setCookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: ctx.config.secureCookies,
      maxAge: Math.floor(ctx.config.sessionTtlMs / 1000),
    });
    return {
      user: { id: user.id, username: user.username },
      csrfToken: session.csrfToken,
    } satisfies LoginAnswer;
  });

  app.post("/api/v1/auth/logout", async (request, reply) => {
    const principal = requireUser(request);
    if (principal.session) {
      await deleteSession(ctx.db, principal.session.idHash);
      await revokeAccess(ctx, credentialGroup(principal)!, signedOut);
    }
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return noContent(reply);
  });

  app.get("/api/v1/auth/me", async (request) => {
    const principal = requireUser(request);
    return {
      user: { id: principal.userId, username: principal.username },
      // Token callers have no session, hence no CSRF token (they never need one).
      csrfToken: principal.session?.csrfToken ?? null,
      preferences: await getPreferences(ctx.db, principal.userId),
    } satisfies MeAnswer;
  });
}
