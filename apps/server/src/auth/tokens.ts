// Owns API tokens for programs and ingest: shown once on creation, stored as sha256.

import { inChunks } from "../db/in-chunks.ts";
import type { Db } from "../db/schema.ts";
import { randomSecret, sha256 } from "./secrets.ts";

export const TOKEN_PREFIX = "pbt_";

export async function createApiToken(db: Db, userId: number, name: string) {
  const token = randomSecret(TOKEN_PREFIX);
  const row = await db
    .insertInto("api_tokens")
    .values({ user_id: userId, name, token_hash: sha256(token), created_at: Date.now(), last_used_at: null })
    .returning(["id", "name"])
    .executeTakeFirstOrThrow();
  return { id: row.id, name: row.name, token };
}

/** The token's id and its owner, or undefined. Records the use (coarsely, to spare writes). */
export async function findToken(
  db: Db,
  token: string,
): Promise<{ tokenId: number; userId: number } | undefined> {
  const row = await db
    .selectFrom("api_tokens")
    .select(["id", "user_id", "last_used_at"])
    .where("token_hash", "=", sha256(token))
    .executeTakeFirst();
  if (!row) return undefined;
  const now = Date.now();
  if (row.last_used_at === null || now - row.last_used_at > 60_000) {
    await db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", row.id).execute();
  }
  return { tokenId: row.id, userId: row.user_id };
}

/** A user's tokens, oldest first (never their hashes). */
export async function tokensOf(db: Db, userId: number) {
  return db
    .selectFrom("api_tokens")
    .select(["id", "name", "created_at", "last_used_at"])
    .where("user_id", "=", userId)
    .orderBy("id")
    .execute();
}

/** Deletes one of the user's own tokens; false when the user has no such token. */
export async function deleteToken(db: Db, userId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom("api_tokens")
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Which of these API tokens still exist. */
export async function existingTokens(db: Db, ids: readonly number[]): Promise<Set<number>> {
  const rows = await inChunks(ids, (part) =>
    db.selectFrom("api_tokens").select("id").where("id", "in", part).execute(),
  );
  return new Set(rows.map((r) => r.id));
}
