// Owns user accounts: creation with a hashed password, lookup, preferences.

import type { Theme } from "@pulseboard/protocol/rest";
import type { Db } from "../db/schema.ts";
import { ConflictError } from "../http/errors.ts";
import { hashPassword } from "./passwords.ts";

export async function createUser(
  db: Db,
  username: string,
  password: string,
): Promise<{ id: number; username: string }> {
  const existing = await db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirst();
  if (existing) throw new ConflictError(`User "${username}" already exists`);
  const password_hash = await hashPassword(password);
  const user = await db
    .insertInto("users")
    .values({ username, password_hash, created_at: Date.now(), disabled_at: null })
    .returning(["id", "username"])
    .executeTakeFirstOrThrow();
  // The first account of an instance administers it (the CLI can name others: set-admin).
  const first = await db
    .selectFrom("users")
    .select(({ fn }) => fn.min("id").as("id"))
    .executeTakeFirst();
  if (Number(first?.id) === user.id)
    await db.updateTable("users").set({ is_admin: 1 }).where("id", "=", user.id).execute();
  return user;
}

export async function findUserByName(db: Db, username: string) {
  return db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
}

export async function getPreferences(db: Db, userId: number): Promise<{ theme: Theme }> {
  const row = await db
    .selectFrom("user_preferences")
    .select("theme")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return { theme: row?.theme ?? "dark" };
}

export async function setPreferences(db: Db, userId: number, theme: Theme) {
  await db
    .insertInto("user_preferences")
    .values({ user_id: userId, theme })
    .onConflict((oc) => oc.column("user_id").doUpdateSet({ theme }))
    .execute();
  return { theme };
}

/** Replaces the user's password hash (the caller checked the old password and the policy). */
export async function passwordHashOf(db: Db, userId: number): Promise<string> {
  const row = await db
    .selectFrom("users")
    .select("password_hash")
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

export async function setPasswordHash(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", userId).execute();
}

/** The user's name, unless the account is gone or disabled (its credentials then stop working). */
export async function activeUsername(db: Db, userId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom("users")
    .select("username")
    .where("id", "=", userId)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  return row?.username;
}
