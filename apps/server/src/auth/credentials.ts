// Owns turning a request's credentials (session cookie, `Authorization: Bearer`, `?token=`)
// into a user, for REST and the WebSocket handshake alike, and the CSRF rule for sessions.
import type { Db } from "../db/schema.ts";
import { CsrfError } from "../http/errors.ts";
import { safeEqual } from "./secrets.ts";
import { findSession, type Session } from "./sessions.ts";
import { findToken } from "./tokens.ts";
import { activeUsername } from "./users.ts";

export type Principal = {
  userId: number;
  username: string;
  via: "session" | "token";
  session?: Session;
  /** The API token's id when `via` is "token". */
  tokenId?: number;
};

export type RawCredentials = {
  cookie?: string | undefined;
  authorization?: string | undefined;
  queryToken?: string | undefined;
};

/** Bearer token first (programs), then the session cookie (browsers). Undefined if none is valid. */
export async function authenticate(db: Db, creds: RawCredentials): Promise<Principal | undefined> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(creds.authorization ?? "")?.[1] ?? creds.queryToken;
  if (bearer) {
    const found = await findToken(db, bearer);
    const name = found === undefined ? undefined : await activeUsername(db, found.userId);
    return found === undefined || name === undefined
      ? undefined
      : { userId: found.userId, username: name, via: "token", tokenId: found.tokenId };
  }
  if (creds.cookie) {
    const session = await findSession(db, creds.cookie);
    const name = session ? await activeUsername(db, session.userId) : undefined;
    return session && name !== undefined
      ? { userId: session.userId, username: name, via: "session", session }
      : undefined;
  }
  return undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Session-authenticated state changes must echo the session's CSRF token; tokens are exempt. */
export function checkCsrf(principal: Principal, method: string, header: string | undefined): void {
  if (principal.via !== "session" || SAFE_METHODS.has(method)) return;
  if (!header || !principal.session || !safeEqual(header, principal.session.csrfToken)) throw new CsrfError();
}
