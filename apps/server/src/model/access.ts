// Owns per-dashboard permission: a caller's role and the rule "a dashboard you are not a
// member of does not exist for you" (404), "a role too low" (403).
import type { Db, Role } from "../db/schema.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

export async function roleOf(db: Db, userId: number, dashboardId: number): Promise<Role | undefined> {
  const row = await db
    .selectFrom("dashboard_members")
    .select("role")
    .where("dashboard_id", "=", dashboardId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row?.role;
}

/** The caller's role on the dashboard, if at least `min`; 404 for non-members, 403 for too low. */
export async function requireRole(db: Db, userId: number, dashboardId: number, min: Role): Promise<Role> {
  const role = await roleOf(db, userId, dashboardId);
  if (!role) throw new NotFoundError("Dashboard");
  if (!roleAtLeast(role, min)) throw new ForbiddenError(`This needs the ${min} role on the dashboard`);
  return role;
}
