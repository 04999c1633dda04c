// Owns the SQL of instance administration: the user list, disabling, deleting, resetting
// passwords, the administrator flag, teams and their members, teams on dashboards, and who
// has access to a dashboard through what. Callers check who may do it (routes.ts, cli.ts).
import { hashPassword } from "../auth/passwords.ts";
import type { Db, Role } from "../db/schema.ts";
import { BadRequestError, ConflictError, NotFoundError } from "../http/errors.ts";

export type AdminUser = {
  id: number;
  username: string;
  admin: boolean;
  disabled: boolean;
  created_at: string;
};
export type Team = { id: number; name: string; members: string[] };
export type AccessEntry = { user_id: number; username: string; role: Role; via: string };

function userJson(r: {
  id: number;
  username: string;
  is_admin: number;
  disabled_at: number | null;
  created_at: number;
}): AdminUser {
  return {
    id: r.id,
    username: r.username,
    admin: Number(r.is_admin) === 1,
    disabled: r.disabled_at !== null,
    created_at: new Date(Number(r.created_at)).toISOString(),
  };
}

export async function listUsers(db: Db): Promise<AdminUser[]> {
  const rows = await db
    .selectFrom("users")
    .select(["id", "username", "is_admin", "disabled_at", "created_at"])
    .orderBy("username")
    .execute();
  return rows.map(userJson);
}

export async function userById(db: Db, id: number) {
  const row = await db
    .selectFrom("users")
    .select(["id", "username", "is_admin", "disabled_at", "created_at"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError("User not found");
  return row;
}

export async function userByName(db: Db, username: string) {
  const row = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirst();
  if (!row) throw new NotFoundError(`User "${username}" not found`);
  return userById(db, row.id);
}

export async function isAdmin(db: Db, userId: number): Promise<boolean> {
  const row = await db.selectFrom("users").select("is_admin").where("id", "=", userId).executeTakeFirst();
  return Number(row?.is_admin) === 1;
}

/** An instance always keeps one enabled administrator. */
async function assertAnotherAdmin(db: Db, userId: number, what: string): Promise<void> {
  const others = await db
    .selectFrom("users")
    .select("id")
    .where("is_admin", "=", 1)
    .where("disabled_at", "is", null)
    .where("id", "!=", userId)
    .execute();
  if (others.length === 0)
    throw new ConflictError(`${what} would leave the instance without an administrator`);
}

export async function updateUser(
  db: Db,
  id: number,
  change: { admin?: boolean; disabled?: boolean },
): Promise<AdminUser> {
  const user = await userById(db, id);
  if (change.admin === false && Number(user.is_admin) === 1)
    await assertAnotherAdmin(db, id, "Removing this administrator");
  if (change.disabled === true && Number(user.is_admin) === 1)
    await assertAnotherAdmin(db, id, "Disabling this administrator");
  await db
    .updateTable("users")
    .set({
      ...(change.admin === undefined ? {} : { is_admin: change.admin ? 1 : 0 }),
      ...(change.disabled === undefined
        ? {}
        : { disabled_at: change.disabled ? (user.disabled_at ?? Date.now()) : null }),
    })
    .where("id", "=", id)
    .execute();
  return userJson(await userById(db, id));
}

/** The user's open credentials (for closing their sockets), before they are removed. */
export async function credentialsOf(db: Db, userId: number) {
  const [tokens, sessions] = await Promise.all([
    db.selectFrom("api_tokens").select("id").where("user_id", "=", userId).execute(),
    db.selectFrom("sessions").select("id_hash").where("user_id", "=", userId).execute(),
  ]);
  return { tokenIds: tokens.map((t) => t.id), sessionHashes: sessions.map((s) => s.id_hash) };
}

export async function deleteSessionsOf(db: Db, userId: number): Promise<void> {
  await db.deleteFrom("sessions").where("user_id", "=", userId).execute();
}

export async function deleteUser(db: Db, id: number): Promise<void> {
  const user = await userById(db, id);
  if (Number(user.is_admin) === 1) await assertAnotherAdmin(db, id, "Deleting this administrator");
  await db.deleteFrom("users").where("id", "=", id).execute();
}

/** Sets a new password and signs the user out everywhere. */
export async function resetPassword(db: Db, id: number, password: string): Promise<void> {
  await userById(db, id);
  if (password.length < 8) throw new BadRequestError("A password needs at least 8 characters");
  const password_hash = await hashPassword(password);
  await db.updateTable("users").set({ password_hash }).where("id", "=", id).execute();
  await deleteSessionsOf(db, id);
}

// --- teams ---------------------------------------------------------------------------------

export async function listTeams(db: Db): Promise<Team[]> {
  const teams = await db.selectFrom("teams").select(["id", "name"]).orderBy("name").execute();
  const members = await db
    .selectFrom("team_members")
    .innerJoin("users", "users.id", "team_members.user_id")
    .select(["team_members.team_id", "users.username"])
    .orderBy("users.username")
    .execute();
  return teams.map((t) => ({
    ...t,
    members: members.filter((m) => m.team_id === t.id).map((m) => m.username),
  }));
}

export async function teamByRef(db: Db, ref: string | number): Promise<{ id: number; name: string }> {
  const row = await db
    .selectFrom("teams")
    .select(["id", "name"])
    .where(typeof ref === "number" ? "id" : "name", "=", ref)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`${typeof ref === "number" ? "Team" : `Team "${ref}"`} not found`);
  return row;
}

export async function createTeam(db: Db, name: string): Promise<Team> {
  const taken = await db.selectFrom("teams").select("id").where("name", "=", name).executeTakeFirst();
  if (taken) throw new ConflictError(`Team "${name}" already exists`);
  const row = await db
    .insertInto("teams")
    .values({ name, created_at: Date.now() })
    .returning(["id", "name"])
    .executeTakeFirstOrThrow();
  return { ...row, members: [] };
}

export async function deleteTeam(db: Db, id: number): Promise<void> {
  await teamByRef(db, id);
  await db.deleteFrom("teams").where("id", "=", id).execute();
}

export async function addTeamMember(db: Db, teamId: number, userId: number): Promise<void> {
  await db
    .insertInto("team_members")
    .values({ team_id: teamId, user_id: userId })
    .onConflict((oc) => oc.columns(["team_id", "user_id"]).doNothing())
    .execute();
}

export async function removeTeamMember(db: Db, teamId: number, userId: number): Promise<void> {
  await db.deleteFrom("team_members").where("team_id", "=", teamId).where("user_id", "=", userId).execute();
}

export async function setDashboardTeam(
  db: Db,
  dashboardId: number,
  teamId: number,
  role: Role,
): Promise<void> {
  await db
    .insertInto("dashboard_teams")
    .values({ dashboard_id: dashboardId, team_id: teamId, role })
    .onConflict((oc) => oc.columns(["dashboard_id", "team_id"]).doUpdateSet({ role }))
    .execute();
}

export async function removeDashboardTeam(db: Db, dashboardId: number, teamId: number): Promise<void> {
  await db
    .deleteFrom("dashboard_teams")
    .where("dashboard_id", "=", dashboardId)
    .where("team_id", "=", teamId)
    .execute();
}

export async function dashboardTeams(db: Db, dashboardId: number) {
  return db
    .selectFrom("dashboard_teams")
    .innerJoin("teams", "teams.id", "dashboard_teams.team_id")
    .select(["teams.id as team_id", "teams.name", "dashboard_teams.role"])
    .where("dashboard_teams.dashboard_id", "=", dashboardId)
    .orderBy("teams.name")
    .execute();
}

/** Every way each user reaches the dashboard: their own membership and each team's. */
export async function accessOf(db: Db, dashboardId: number): Promise<AccessEntry[]> {
  const direct = await db
    .selectFrom("dashboard_members")
    .innerJoin("users", "users.id", "dashboard_members.user_id")
    .select(["users.id as user_id", "users.username", "dashboard_members.role"])
    .where("dashboard_members.dashboard_id", "=", dashboardId)
    .execute();
  const viaTeams = await db
    .selectFrom("dashboard_teams")
    .innerJoin("teams", "teams.id", "dashboard_teams.team_id")
    .innerJoin("team_members", "team_members.team_id", "dashboard_teams.team_id")
    .innerJoin("users", "users.id", "team_members.user_id")
    .select(["users.id as user_id", "users.username", "dashboard_teams.role", "teams.name as team"])
    .where("dashboard_teams.dashboard_id", "=", dashboardId)
    .execute();
  return [
    ...direct.map((d) => ({ ...d, via: "direct" })),
    ...viaTeams.map(({ team, ...d }) => ({ ...d, via: `team:${team}` })),
  ].sort((a, b) => a.username.localeCompare(b.username) || a.via.localeCompare(b.via));
}

/** Every (dashboard, user) a team grants access to (of one dashboard, if given). */
export async function teamGrants(db: Db, teamId: number, onlyDashboard?: number) {
  let q = db
    .selectFrom("dashboard_teams")
    .innerJoin("team_members", "team_members.team_id", "dashboard_teams.team_id")
    .select(["dashboard_teams.dashboard_id as dashboardId", "team_members.user_id as userId"])
    .where("dashboard_teams.team_id", "=", teamId);
  if (onlyDashboard !== undefined) q = q.where("dashboard_teams.dashboard_id", "=", onlyDashboard);
  return q.execute();
}
