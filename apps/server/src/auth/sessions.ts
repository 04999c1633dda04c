// Owns browser sessions: a random id in the HttpOnly `pb_session` cookie, stored hashed with
// its expiry and its per-session CSRF token.

import { inChunks } from "../db/in-chunks.ts";
import type { Db, SessionMethod } from "../db/schema.ts";
import { randomSecret, sha256 } from "./secrets.ts";

export const SESSION_COOKIE = "pb_session";

export type Session = {
  userId: number;
  csrfToken: string;
  idHash: string;
  expiresAt: number;
  method: SessionMethod;
};

export async function createSession(
  db: Db,
  userId: number,
  ttlMs: number,
  /** Shown in the user's session list. */
  seen: { userAgent?: string | undefined; address?: string | undefined } = {},
  method: SessionMethod = "password",
): Promise<{ id: string; csrfToken: string }> {
  const id = randomSecret();
  const csrfToken = randomSecret();
  const now = Date.now();
  await db
    .insertInto("sessions")
    .values({
      id_hash: sha256(id),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now,
      expires_at: now + ttlMs,
      user_agent: seen.userAgent?.slice(0, 300) ?? null,
      address: seen.address ?? null,
      method,
    })
    .execute();
  return { id, csrfToken };
}

export async function findSession(db: Db, id: string): Promise<Session | undefined> {
  const row = await db
    .selectFrom("sessions")
    .select(["user_id", "csrf_token", "id_hash", "expires_at", "method"])
    .where("id_hash", "=", sha256(id))
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.expires_at <= Date.now()) {
    await db.deleteFrom("sessions").where("id_hash", "=", row.id_hash).execute();
    return undefined;
  }
  return {
    userId: row.user_id,
    csrfToken: row.csrf_token,
    idHash: row.id_hash,
    expiresAt: row.expires_at,
    method: row.method,
  };
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
}

export async function deleteExpiredSessions(db: Db): Promise<void> {
  await db.deleteFrom("sessions").where("expires_at", "<=", Date.now()).execute();
}

/** The user's live sessions, newest first. */
export async function listSessions(db: Db, userId: number) {
  return db
    .selectFrom("sessions")
    .select(["id_hash", "created_at", "expires_at", "user_agent", "address"])
    .where("user_id", "=", userId)
    .where("expires_at", ">", Date.now())
    .orderBy("created_at", "desc")
    .execute();
}

/** Deletes the user's sessions but `keep`; returns the deleted ones' hashes (to close their sockets). */
export async function deleteOtherSessions(
  db: Db,
  userId: number,
  keep: string | undefined,
): Promise<string[]> {
  let q = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (keep !== undefined) q = q.where("id_hash", "!=", keep);
  const rows = await q.returning("id_hash").execute();
  return rows.map((r) => r.id_hash);
}

/** Deletes one of the user's sessions; false when the user has no such session. */
export async function deleteUserSession(db: Db, userId: number, idHash: string): Promise<boolean> {
  const rows = await db
    .deleteFrom("sessions")
    .where("user_id", "=", userId)
    .where("id_hash", "=", idHash)
    .returning("id_hash")
    .execute();
  return rows.length > 0;
}

/** Which of these sessions (by id hash) still exist and have not expired. */
export async function liveSessions(db: Db, idHashes: readonly string[]): Promise<Set<string>> {
  const now = Date.now();
  const rows = await inChunks(idHashes, (part) =>
    db
      .selectFrom("sessions")
      .select("id_hash")
      .where("id_hash", "in", part)
      .where("expires_at", ">", now)
      .execute(),
  );
  return new Set(rows.map((r) => r.id_hash));
}
