// Owns the SQL of single sign-on: finding the user an identity (issuer + subject) is linked to,
// creating the user on first login under a free user name, linking an identity to an existing
// account at its owner's request (and unlinking it), and keeping the teams that the groups
// mapping manages in step with the groups the provider names.
import { randomSecret } from "../auth/secrets.ts";
import { createUser } from "../auth/users.ts";
import type { Db } from "../db/schema.ts";

export type SsoUser = { id: number; username: string; disabled: boolean; created: boolean };

/** The user linked to the identity, created (and linked) on its first login. */
export async function userForIdentity(
  db: Db,
  issuer: string,
  subject: string,
  wantedName: string,
): Promise<SsoUser> {
  const linked = await linkedUser(db, issuer, subject);
  if (linked) {
    await db
      .updateTable("user_identities")
      .set({ last_login_at: Date.now() })
      .where("issuer", "=", issuer)
      .where("subject", "=", subject)
      .execute();
    return { ...linked, created: false };
  }
  // Never linked to an existing account by name or email: a provider may let anyone pick those.
  // The password is random and never shown: such a user signs in through the provider only
  // (an administrator can still set one with reset-password).
  const user = await createUser(db, await freeName(db, wantedName), randomSecret());
  const now = Date.now();
  try {
    await db
      .insertInto("user_identities")
      .values({ issuer, subject, user_id: user.id, created_at: now, last_login_at: now })
      .execute();
  } catch (err) {
    // The same person's first login raced on another tab or node: keep theirs, drop ours.
    await db.deleteFrom("users").where("id", "=", user.id).execute();
    const winner = await linkedUser(db, issuer, subject);
    if (!winner) throw err;
    return { ...winner, created: false };
  }
  return { id: user.id, username: user.username, disabled: false, created: true };
}

/**
 * Links the identity to `userId`, which asked for it while signed in: "linked", "already" (to
 * this user), or "taken" (another account has it; nothing changes). One identity per provider.
 */
export async function linkIdentity(
  db: Db,
  issuer: string,
  subject: string,
  userId: number,
): Promise<"linked" | "already" | "taken"> {
  const owner = await linkedUser(db, issuer, subject);
  if (owner) return owner.id === userId ? "already" : "taken";
  const now = Date.now();
  try {
    await db.transaction().execute(async (trx) => {
      // A new identity at the same provider replaces the old one (the provider's account changed).
      await trx
        .deleteFrom("user_identities")
        .where("user_id", "=", userId)
        .where("issuer", "=", issuer)
        .execute();
      await trx
        .insertInto("user_identities")
        .values({ issuer, subject, user_id: userId, created_at: now, last_login_at: now })
        .execute();
    });
  } catch {
    return (await linkedUser(db, issuer, subject))?.id === userId ? "already" : "taken";
  }
  return "linked";
}

export async function identitiesOf(db: Db, userId: number) {
  return db
    .selectFrom("user_identities")
    .select(["issuer", "created_at", "last_login_at"])
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
}

/** True when the user had an identity at `issuer` (now removed). */
export async function unlinkIdentity(db: Db, userId: number, issuer: string): Promise<boolean> {
  const result = await db
    .deleteFrom("user_identities")
    .where("user_id", "=", userId)
    .where("issuer", "=", issuer)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

async function linkedUser(db: Db, issuer: string, subject: string) {
  const row = await db
    .selectFrom("user_identities")
    .innerJoin("users", "users.id", "user_identities.user_id")
    .select(["users.id", "users.username", "users.disabled_at"])
    .where("user_identities.issuer", "=", issuer)
    .where("user_identities.subject", "=", subject)
    .executeTakeFirst();
  return row ? { id: row.id, username: row.username, disabled: row.disabled_at !== null } : undefined;
}

/** `name`, or `name-2`, `name-3` … when an account already has it. */
async function freeName(db: Db, name: string): Promise<string> {
  const taken = new Set(
    (
      await db
        .selectFrom("users")
        .select("username")
        .where((eb) => eb.or([eb("username", "=", name), eb("username", "like", `${name}-%`)]))
        .execute()
    ).map((r) => r.username),
  );
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name}-${i}`)) return `${name}-${i}`;
}

/**
 * Puts the user in the teams their groups map to and out of the other mapped teams (teams the
 * mapping does not name are left alone). Mapped teams that do not exist yet are created: the
 * mapping is the administrator's word. Returns the dashboards the user may have lost access to.
 */
export async function syncMappedTeams(
  db: Db,
  userId: number,
  groups: string[],
  mapping: Record<string, string[]>,
): Promise<{ joined: string[]; left: string[]; maybeLost: number[] }> {
  const managed = new Set(Object.values(mapping).flat());
  const wanted = new Set(groups.flatMap((g) => mapping[g] ?? []));
  const joined: string[] = [];
  const left: string[] = [];
  const maybeLost: number[] = [];
  for (const name of managed) {
    let team = await db.selectFrom("teams").select("id").where("name", "=", name).executeTakeFirst();
    if (!team && !wanted.has(name)) continue;
    team ??= await db
      .insertInto("teams")
      .values({ name, created_at: Date.now() })
      .onConflict((oc) => oc.column("name").doUpdateSet({ name }))
      .returning("id")
      .executeTakeFirstOrThrow();
    const member = await db
      .selectFrom("team_members")
      .select("user_id")
      .where("team_id", "=", team.id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (wanted.has(name) && !member) {
      await db
        .insertInto("team_members")
        .values({ team_id: team.id, user_id: userId })
        .onConflict((oc) => oc.columns(["team_id", "user_id"]).doNothing())
        .execute();
      joined.push(name);
    } else if (!wanted.has(name) && member) {
      const dashboards = await db
        .selectFrom("dashboard_teams")
        .select("dashboard_id")
        .where("team_id", "=", team.id)
        .execute();
      maybeLost.push(...dashboards.map((d) => d.dashboard_id));
      await db
        .deleteFrom("team_members")
        .where("team_id", "=", team.id)
        .where("user_id", "=", userId)
        .execute();
      left.push(name);
    }
  }
  return { joined, left, maybeLost };
}
