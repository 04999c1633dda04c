// Owns slowing password guessing down: failed logins per key in a fixed window, counted in the
// database so that all nodes of a cluster share one count. An atomic upsert counts concurrent
// failures exactly. Three keys per attempt: address + user name (one person mistyping), the
// address across user names (a spray rotating names) and the user name across addresses (a
// distributed guess at one account). Only the first is cleared by a successful login: an
// attacker's own account must not reset the counts of the others.
import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { sha256 } from "./secrets.ts";

export const MAX_FAILURES = 10;
export const WINDOW_MS = 60_000;

/**
 * The counter's key. Hashed: what people type as a user name (sometimes a password) is not kept,
 * and any byte (even NUL, which PostgreSQL text refuses) is fine.
 */
export function loginKey(address: string, username: string): string {
  return sha256(`${address}\u0000${username}`);
}

/** True while `key` has used up its failures for the current window. */
export async function loginLocked(db: Db, key: string, now = Date.now()): Promise<boolean> {
  const row = await db
    .selectFrom("login_failures")
    .select(["failures", "reset_at"])
    .where("key", "=", key)
    .executeTakeFirst();
  return row !== undefined && Number(row.reset_at) > now && row.failures >= MAX_FAILURES;
}

export async function recordLoginFailure(db: Db, key: string, now = Date.now()): Promise<void> {
  const live = sql<boolean>`login_failures.reset_at > ${now}`;
  await db
    .insertInto("login_failures")
    .values({ key, failures: 1, reset_at: now + WINDOW_MS })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        failures: sql`CASE WHEN ${live} THEN login_failures.failures + 1 ELSE 1 END`,
        reset_at: sql`CASE WHEN ${live} THEN login_failures.reset_at ELSE ${now + WINDOW_MS} END`,
      }),
    )
    .execute();
  // Housekeeping: windows long over are of no use to anyone.
  await db
    .deleteFrom("login_failures")
    .where("reset_at", "<=", now - WINDOW_MS)
    .execute();
}

export async function clearLoginFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom("login_failures").where("key", "=", key).execute();
}

export type LoginKey = { key: string; max: number };

/** The keys one attempt counts against (a max of 0 switches that key off). */
export function loginKeys(
  address: string,
  username: string,
  limits: { perAddress: number; perUsername: number },
): LoginKey[] {
  return [
    { key: loginKey(address, username), max: MAX_FAILURES },
    { key: sha256(`address\u0000${address}`), max: limits.perAddress },
    { key: sha256(`username\u0000${username}`), max: limits.perUsername },
  ].filter((k) => k.max > 0);
}

/** Seconds until the attempt may be tried again when any key is used up; undefined when not locked. */
export async function lockedFor(db: Db, keys: LoginKey[], now = Date.now()): Promise<number | undefined> {
  if (keys.length === 0) return undefined;
  const rows = await db
    .selectFrom("login_failures")
    .select(["key", "failures", "reset_at"])
    .where(
      "key",
      "in",
      keys.map((k) => k.key),
    )
    .execute();
  let wait: number | undefined;
  for (const row of rows) {
    const max = keys.find((k) => k.key === row.key)?.max ?? MAX_FAILURES;
    const resetAt = Number(row.reset_at);
    if (resetAt > now && row.failures >= max) wait = Math.max(wait ?? 0, Math.ceil((resetAt - now) / 1000));
  }
  return wait;
}

export async function recordLoginFailures(db: Db, keys: LoginKey[], now = Date.now()): Promise<void> {
  for (const k of keys) await recordLoginFailure(db, k.key, now);
}
