// Owns API tokens for programs and ingest: shown once on creation, stored as sha256.
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
