// Owns per-dashboard permission: a caller's role — the highest of their own membership and the
// roles of the teams they belong to — and the rule "a dashboard you are not a member of does
// not exist for you" (404), "a role too low" (403).
import type { Db, Role } from "../db/schema.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";

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
