// Owns slowing password guessing down: failed logins per key (address + user name) in a fixed
// window, counted in the database so that all nodes of a cluster share one count. An atomic
// upsert counts concurrent failures exactly.
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
