// Owns per-dashboard permission: a caller's role — the highest of their own membership and the
// roles of the teams they belong to — and the rule "a dashboard you are not a member of does
// not exist for you" (404), "a role too low" (403).
import { inChunks } from "../db/in-chunks.ts";
import type { Db, Role } from "../db/schema.ts";
import { ForbiddenError, NotFoundError } from "../http/errors.ts";

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

export function highest(roles: Iterable<Role>): Role | undefined {
  let best: Role | undefined;
  for (const r of roles) if (!best || RANK[r] > RANK[best]) best = r;
  return best;
}

export async function roleOf(db: Db, userId: number, dashboardId: number): Promise<Role | undefined> {
  const direct = db
    .selectFrom("dashboard_members")
    .select("role")
    .where("dashboard_id", "=", dashboardId)
    .where("user_id", "=", userId);
  const viaTeams = db
    .selectFrom("dashboard_teams")
    .innerJoin("team_members", "team_members.team_id", "dashboard_teams.team_id")
    .select("dashboard_teams.role")
    .where("dashboard_teams.dashboard_id", "=", dashboardId)
    .where("team_members.user_id", "=", userId);
  const rows = await direct.unionAll(viaTeams).execute();
  return highest(rows.map((r) => r.role));
}

/** The caller's role on the dashboard, if at least `min`; 404 for non-members, 403 for too low. */
export async function requireRole(db: Db, userId: number, dashboardId: number, min: Role): Promise<Role> {
  const role = await roleOf(db, userId, dashboardId);
  if (!role) throw new NotFoundError("Dashboard not found");
  if (!roleAtLeast(role, min)) throw new ForbiddenError(`This needs the ${min} role on the dashboard`);
  return role;
}

/** Which of these dashboards still exist. */
export async function existingDashboards(db: Db, ids: readonly number[]): Promise<Set<number>> {
  const rows = await inChunks(ids, (part) =>
    db.selectFrom("dashboards").select("id").where("id", "in", part).execute(),
  );
  return new Set(rows.map((r) => r.id));
}

/** Who has any role on these dashboards, directly or through a team, as `"<dashboard>:<user>"`. */
export async function accessPairs(db: Db, dashboardIds: readonly number[]): Promise<Set<string>> {
  const rows = await inChunks(dashboardIds, (part) => {
    const direct = db
      .selectFrom("dashboard_members")
      .select(["dashboard_id", "user_id"])
      .where("dashboard_id", "in", part);
    const viaTeams = db
      .selectFrom("dashboard_teams")
      .innerJoin("team_members", "team_members.team_id", "dashboard_teams.team_id")
      .select(["dashboard_teams.dashboard_id as dashboard_id", "team_members.user_id as user_id"])
      .where("dashboard_teams.dashboard_id", "in", part);
    return direct.unionAll(viaTeams).execute();
  });
  return new Set(rows.map((r) => `${r.dashboard_id}:${r.user_id}`));
}
