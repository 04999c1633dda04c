// Owns the single sign-on routes (issue 16): which ways in this server offers (for the login
// page), the redirect to the OpenID provider and the callback that verifies its answer, then
// finds or creates the user, refuses a disabled one, applies the groups → teams mapping and
// issues the same session cookie as a password login. The transaction (state, nonce, PKCE
// verifier, where to go next) rides in a short-lived HttpOnly cookie bound to this browser, so
// any node of a cluster can take the callback and a callback started elsewhere is refused.
// A signed-in user can also link their existing account to their identity at the provider
// (`?link=1`): the callback then checks that the same user is still signed in in this browser,
// and an identity another account holds is refused. The linked identities are listed and
// unlinked under /me/identities.

import type { AuthMethods, LinkedIdentity } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { recordAudit } from "../audit/index.ts";
import { issueSession } from "../auth/routes.ts";
import { safeEqual } from "../auth/secrets.ts";
import type { AppContext } from "../context.ts";
import { roleOf } from "../dashboards/access.ts";
import { NotFoundError } from "../http/errors.ts";
import { noContent, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { memberRemoved, revokeDashboard } from "../ws/revoke.ts";
import { OidcClient, SsoError, type Transaction } from "./client.ts";
import { localPath } from "./next.ts";
import { refusalPage } from "./page.ts";
import { identitiesOf, linkIdentity, syncMappedTeams, unlinkIdentity, userForIdentity } from "./store.ts";

export const CALLBACK_PATH = restRoutes.oidcCallback.path;
export const LOGIN_PATH = restRoutes.oidcLogin.path;
const TRANSACTION_COOKIE = "pb_oidc";
/** Time to sign in at the provider before the transaction is forgotten. */
const TRANSACTION_TTL_S = 600;

export function registerSso(app: FastifyInstance, ctx: AppContext) {
  const settings = ctx.config.oidc;
  const client = settings
    ? new OidcClient(settings, settings.redirectUrl ?? redirectFromPublicUrl(ctx.config.publicUrl))
    : undefined;

  route(
    app,
    restRoutes.authMethods,
    async (): Promise<AuthMethods> => ({
      password: ctx.config.localLogin,
      sso: settings ? { name: settings.name, url: LOGIN_PATH } : null,
    }),
  );

  route(app, restRoutes.listIdentities, async (request): Promise<LinkedIdentity[]> => {
    const principal = requireUser(request);
    return (await identitiesOf(ctx.db, principal.userId)).map((r) => ({
      issuer: r.issuer,
      linked_at: new Date(Number(r.created_at)).toISOString(),
      last_login_at: new Date(Number(r.last_login_at)).toISOString(),
    }));
  });

  route(app, restRoutes.unlinkIdentity, async (request, reply) => {
    const principal = requireUser(request);
    const { issuer } = input(request, restRoutes.unlinkIdentity, "query");
    if (!(await unlinkIdentity(ctx.db, principal.userId, issuer)))
      throw new NotFoundError("No identity at that provider is linked to your account");
    await recordAudit(ctx, {
      action: "identity.unlinked",
      actorUserId: principal.userId,
      address: request.ip,
      detail: { issuer },
    });
    return noContent(reply);
  });

  if (!client) return;

  route(
    app,
    restRoutes.oidcLogin,
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      // Linking needs a signed-in browser session (a bearer token is not a browser).
      const linking = query.link === "1";
      if (linking && !request.principal?.session)
        return refusalPage(reply, 401, "Sign in first, then link your account from the Account page.");
      const next = linking ? "/account" : localPath(query.next);
      try {
        const { url, transaction } = await client.begin(
          next,
          linking ? request.principal!.userId : undefined,
        );
        reply.setCookie(TRANSACTION_COOKIE, encode(transaction), cookieOptions(ctx, TRANSACTION_TTL_S));
        return reply.redirect(url.href, 302);
      } catch (err) {
        if (err instanceof SsoError) return refusalPage(reply, err.status, err.message);
        throw err;
      }
    },
    // Not validated by Fastify: the provider's query is read as sent, refusals are an HTML page.
    { validate: false },
  );

  route(app, restRoutes.oidcLogout, async (_request, reply) => {
    try {
      const url = await client.endSessionUrl(postLogoutUrl(client.redirectUrl));
      return reply.redirect(url?.href ?? "/login", 302);
    } catch (err) {
      if (err instanceof SsoError) return refusalPage(reply, err.status, err.message);
      throw err;
    }
  });

  route(
    app,
    restRoutes.oidcCallback,
    async (request, reply) => {
      const at = request.url.indexOf("?");
      const query = new URLSearchParams(at < 0 ? "" : request.url.slice(at + 1));
      const transaction = decode(request.cookies[TRANSACTION_COOKIE]);
      // One use: whatever happens next, this browser's transaction is gone.
      reply.clearCookie(TRANSACTION_COOKIE, { path: cookieOptions(ctx, 0).path });
      try {
        if (transaction?.link !== undefined) {
          await link(ctx, client, request, query, transaction, transaction.link);
          return reply.redirect(transaction.next, 302);
        }
        const { userId, next } = await signIn(ctx, client, request, query, transaction);
        await issueSession(ctx, request, reply, userId, "oidc");
        return reply.redirect(next, 302);
      } catch (err) {
        if (!(err instanceof SsoError)) throw err;
        // A disabled user's refusal is recorded with their name in signIn; the others name nobody.
        if (!err.audited)
          await recordAudit(ctx, {
            action: "login.failed",
            address: request.ip,
            detail: { method: "oidc", reason: err.message },
          });
        return refusalPage(reply, err.status, err.message);
      }
    },
    // Not validated by Fastify: the provider's query is read as sent, refusals are an HTML page.
    { validate: false },
  );
}

/** The checks every answer of the provider gets: its error, this browser's transaction, the state. */
function checkAnswer(query: URLSearchParams, transaction: Transaction | undefined): asserts transaction {
  const providerError = query.get("error");
  if (providerError)
    throw new SsoError(
      `The sign-in provider refused: ${providerError}${query.get("error_description") ? ` (${query.get("error_description")})` : ""}`,
    );
  if (!transaction)
    throw new SsoError(
      "This sign-in was not started in this browser, or took longer than 10 minutes. Start again from the login page.",
    );
  const state = query.get("state") ?? "";
  if (!safeEqual(state, transaction.state))
    throw new SsoError(
      "The provider's answer does not belong to the sign-in this browser started (state mismatch), so it was refused. Start again from the login page.",
    );
}

/** Links the provider's identity to the user who started the link, if still signed in here. */
async function link(
  ctx: AppContext,
  client: OidcClient,
  request: FastifyRequest,
  query: URLSearchParams,
  transaction: Transaction,
  userId: number,
): Promise<void> {
  checkAnswer(query, transaction);
  if (request.principal?.userId !== userId || !request.principal.session)
    throw new SsoError(
      "The account to link is no longer signed in in this browser. Sign in and start again.",
      403,
    );
  const login = await client.finish(query, transaction);
  const outcome = await linkIdentity(ctx.db, login.issuer, login.subject, userId);
  if (outcome === "taken")
    throw new SsoError(
      `This ${client.settings.name} account is already linked to another Pulseboard account; nothing was changed.`,
      403,
    );
  await recordAudit(ctx, {
    action: "identity.linked",
    actorUserId: userId,
    address: request.ip,
    detail: { issuer: login.issuer, already: outcome === "already" },
  });
}

async function signIn(
  ctx: AppContext,
  client: OidcClient,
  request: FastifyRequest,
  query: URLSearchParams,
  transaction: Transaction | undefined,
): Promise<{ userId: number; next: string }> {
  checkAnswer(query, transaction);
  const login = await client.finish(query, transaction);
  const user = await userForIdentity(ctx.db, login.issuer, login.subject, wantedName(login));
  if (user.disabled) {
    await recordAudit(ctx, {
      action: "login.failed",
      actorUserId: user.id,
      address: request.ip,
      detail: { username: user.username, method: "oidc", reason: "disabled" },
    });
    throw new SsoError("This account is disabled; ask an administrator.", 403, true);
  }
  const settings = client.settings;
  if (settings.groupsClaim) {
    const { maybeLost } = await syncMappedTeams(
      ctx.db,
      user.id,
      groupsOf(login.claims[settings.groupsClaim]),
      settings.groupTeams,
    );
    // Sockets of dashboards the user reached only through a team they just left close (4003).
    for (const dashboardId of new Set(maybeLost))
      if ((await roleOf(ctx.db, user.id, dashboardId)) === undefined)
        await revokeDashboard(ctx, dashboardId, memberRemoved(user.id));
  }
  await recordAudit(ctx, {
    action: "login.succeeded",
    actorUserId: user.id,
    address: request.ip,
    detail: { method: "oidc", issuer: login.issuer, created: user.created },
  });
  return { userId: user.id, next: transaction.next };
}

/** The user name a first login asks for: the provider's preferred name, else the email, else the subject. */
function wantedName(login: { subject: string; claims: Record<string, unknown> }): string {
  for (const claim of ["preferred_username", "email", "name"]) {
    const value = login.claims[claim];
    if (typeof value === "string" && value.trim()) return value.trim().slice(0, 64);
  }
  return login.subject.slice(0, 64);
}

/** A groups claim is a list of names (or, from some providers, one name). */
function groupsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === "string") : [];
}

/** Where the provider sends the browser after its logout: this site's login page. */
function postLogoutUrl(redirectUrl: string): string {
  return new URL("/login", redirectUrl).href;
}

function redirectFromPublicUrl(publicUrl: string | undefined): string {
  if (!publicUrl)
    throw new Error(
      "Single sign-on needs PULSEBOARD_OIDC_REDIRECT_URL or PULSEBOARD_PUBLIC_URL: the provider must be told where to send people back",
    );
  return new URL(CALLBACK_PATH, publicUrl).href;
}

function cookieOptions(ctx: AppContext, maxAge: number) {
  return {
    httpOnly: true,
    // Lax: the provider's redirect back is a top-level GET navigation, which carries it.
    sameSite: "lax" as const,
    path: "/api/v1/auth/oidc",
    secure: ctx.config.secureCookies,
    maxAge,
  };
}

function encode(t: Transaction): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

function decode(value: string | undefined): Transaction | undefined {
  if (!value) return undefined;
  try {
    const t = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Partial<Transaction>;
    if (
      typeof t.state === "string" &&
      typeof t.nonce === "string" &&
      typeof t.verifier === "string" &&
      typeof t.next === "string"
    )
      return {
        state: t.state,
        nonce: t.nonce,
        verifier: t.verifier,
        next: localPath(t.next),
        ...(Number.isSafeInteger(t.link) && (t.link as number) > 0 ? { link: t.link } : {}),
      };
  } catch {}
  return undefined;
}
