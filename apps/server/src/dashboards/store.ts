// Owns dashboards and their members: creation with a unique slug, roles, the last-owner rule,
// and the JSON shapes of docs/API.md (invitations, which become members, are invitations.ts).
import type { DashboardSummary, Metric as MetricJson } from "@pulseboard/protocol/rest";
import { type Labels, labelsOfKey, parseSeriesKey } from "@pulseboard/protocol/series";
import { findUserByName } from "../auth/users.ts";
import type { Dashboard, Db, Metric, Role } from "../db/schema.ts";
import { ConflictError, NotFoundError, ValidationError } from "../http/errors.ts";
import { highest } from "./access.ts";
import { invitationDb } from "./invitation-table.ts";

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return slug || "dashboard";
}

/** The answer shape of docs/API.md; without a role (exports) it is the summary minus `role`. */
export function dashboardJson(d: Dashboard): Omit<DashboardSummary, "role">;
export function dashboardJson(d: Dashboard, role: Role): DashboardSummary;
export function dashboardJson(d: Dashboard, role?: Role): Omit<DashboardSummary, "role"> & { role?: Role } {
  return {
    id: d.id,
    name: d.name,
    slug: d.slug,
    description: d.description,
    created_at: new Date(d.created_at).toISOString(),
    ...(role ? { role } : {}),
  };
}

export function metricJson(m: Metric): MetricJson {
  return {
    id: m.id,
    dashboard_id: m.dashboard_id,
    name: m.name,
    description: m.description,
    type: m.type,
    unit: m.unit,
    ...seriesFields(m.name),
  };
}

/** A labeled series' `family` and `labels`, read from its name (its series key); {} when unlabeled. */
export function seriesFields(name: string): { family?: string; labels?: Labels } {
  const labels = labelsOfKey(name);
  return labels ? { family: parseSeriesKey(name).family, labels } : {};
}

async function freeSlug(db: Db, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    const taken = await db
      .selectFrom("dashboards")
      .select("id")
      .where("slug", "=", candidate)
      .executeTakeFirst();
    if (!taken) return candidate;
  }
}

export async function createDashboard(
  db: Db,
  input: { name: string; slug?: string | undefined; description?: string | undefined },
  ownerId?: number,
): Promise<Dashboard> {
  let slug: string;
  if (input.slug !== undefined) {
    if (!SLUG_PATTERN.test(input.slug))
      throw new ValidationError([
        {
          type: "invalid_format",
          loc: ["body", "slug"],
          msg: "slug must be lowercase letters, digits and dashes",
        },
      ]);
    const taken = await db
      .selectFrom("dashboards")
      .select("id")
      .where("slug", "=", input.slug)
      .executeTakeFirst();
    if (taken) throw new ConflictError(`Slug "${input.slug}" is already used`);
    slug = input.slug;
  } else {
    slug = await freeSlug(db, slugify(input.name));
  }
  return db.transaction().execute(async (trx) => {
    const dashboard = await trx
      .insertInto("dashboards")
      .values({ name: input.name, slug, description: input.description ?? "", created_at: Date.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (ownerId !== undefined)
      await trx
        .insertInto("dashboard_members")
        .values({ dashboard_id: dashboard.id, user_id: ownerId, role: "owner" })
        .execute();
    return dashboard;
  });
}

/** By numeric id or slug (the CLI accepts both). */
/** The dashboards a user reaches, directly or through a team, each once at its highest role, by id. */
export async function dashboardsOf(
  db: Db,
  userId: number,
): Promise<Array<{ dashboard: Dashboard; role: Role }>> {
  const direct = db
    .selectFrom("dashboard_members")
    .select(["dashboard_id", "role"])
    .where("user_id", "=", userId);
  const viaTeams = db
    .selectFrom("dashboard_teams")
    .innerJoin("team_members", "team_members.team_id", "dashboard_teams.team_id")
    .select(["dashboard_teams.dashboard_id", "dashboard_teams.role"])
    .where("team_members.user_id", "=", userId);
  const grants = await direct.unionAll(viaTeams).execute();
  const roles = new Map<number, Role[]>();
  for (const g of grants) roles.set(g.dashboard_id, [...(roles.get(g.dashboard_id) ?? []), g.role]);
  if (roles.size === 0) return [];
  const rows = await db
    .selectFrom("dashboards")
    .selectAll()
    .where("id", "in", [...roles.keys()])
    .orderBy("id")
    .execute();
  return rows.map((dashboard) => ({ dashboard, role: highest(roles.get(dashboard.id) ?? []) ?? "viewer" }));
}

export async function updateDashboard(
  db: Db,
  id: number,
  fields: { name?: string | undefined; description?: string | undefined },
): Promise<void> {
  await db.updateTable("dashboards").set(fields).where("id", "=", id).execute();
}

/** Deletes a dashboard (its metrics, data, members and rules go with it); answers its name. */
export async function deleteDashboard(db: Db, id: number): Promise<string | null> {
  const gone = await db.selectFrom("dashboards").select("name").where("id", "=", id).executeTakeFirst();
  await db.deleteFrom("dashboards").where("id", "=", id).execute();
  return gone?.name ?? null;
}

/** The dashboard of a slug (a slug of digits is a slug here, never an id). */
export async function dashboardBySlug(db: Db, slug: string): Promise<Dashboard | undefined> {
  return db.selectFrom("dashboards").selectAll().where("slug", "=", slug).executeTakeFirst();
}

export async function findDashboard(db: Db, idOrSlug: string | number): Promise<Dashboard | undefined> {
  const q = db.selectFrom("dashboards").selectAll();
  if (typeof idOrSlug === "number" || /^[0-9]+$/.test(idOrSlug))
    return q.where("id", "=", Number(idOrSlug)).executeTakeFirst();
  return q.where("slug", "=", idOrSlug).executeTakeFirst();
}

/** A dashboard's direct members by user name. */
export async function listMembers(db: Db, dashboardId: number) {
  return db
    .selectFrom("dashboard_members")
    .innerJoin("users", "users.id", "dashboard_members.user_id")
    .select(["dashboard_members.user_id", "users.username", "dashboard_members.role"])
    .where("dashboard_members.dashboard_id", "=", dashboardId)
    .orderBy("users.username")
    .execute();
}

/** Makes the user a member with `role` directly (administrators, the CLI, receivers). */
export async function setMember(db: Db, dashboardId: number, username: string, role: Role) {
  const user = await findUserByName(db, username);
  if (!user) throw new NotFoundError("User not found");
  await db.transaction().execute((trx) => putMemberRow(trx, dashboardId, user, role));
  return { user_id: user.id, username: user.username, role };
}

/**
 * Inside a transaction: the member row with `role` (the last-owner rule holds), and the name's
 * pending invitation to this dashboard gone, since it is answered. Answers the previous role.
 */
export async function putMemberRow(
  trx: Db,
  dashboardId: number,
  user: { id: number; username: string },
  role: Role,
): Promise<Role | undefined> {
  const current = await trx
    .selectFrom("dashboard_members")
    .select("role")
    .where("dashboard_id", "=", dashboardId)
    .where("user_id", "=", user.id)
    .executeTakeFirst();
  if (current?.role === "owner" && role !== "owner") await assertAnotherOwner(trx, dashboardId, user.id);
  await trx
    .insertInto("dashboard_members")
    .values({ dashboard_id: dashboardId, user_id: user.id, role })
    .onConflict((oc) => oc.columns(["dashboard_id", "user_id"]).doUpdateSet({ role }))
    .execute();
  await invitationDb(trx)
    .deleteFrom("dashboard_invitations")
    .where("dashboard_id", "=", dashboardId)
    .where("username", "=", user.username)
    .execute();
  return current?.role;
}

async function assertAnotherOwner(db: Db, dashboardId: number, userId: number) {
  const others = await db
    .selectFrom("dashboard_members")
    .select("user_id")
    .where("dashboard_id", "=", dashboardId)
    .where("role", "=", "owner")
    .where("user_id", "!=", userId)
    .executeTakeFirst();
  if (!others) throw new ConflictError("The last owner of a dashboard cannot be removed or demoted");
}

export async function removeMember(db: Db, dashboardId: number, userId: number) {
  await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("dashboard_members")
      .select("role")
      .where("dashboard_id", "=", dashboardId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!current) throw new NotFoundError("Member not found");
    if (current.role === "owner") await assertAnotherOwner(trx, dashboardId, userId);
    await trx
      .deleteFrom("dashboard_members")
      .where("dashboard_id", "=", dashboardId)
      .where("user_id", "=", userId)
      .execute();
  });
}

export async function listMetrics(db: Db, dashboardId: number): Promise<Metric[]> {
  return db.selectFrom("metrics").selectAll().where("dashboard_id", "=", dashboardId).orderBy("id").execute();
}

/** A dashboard's name, if it still exists. */
export async function dashboardName(db: Db, id: number): Promise<string | undefined> {
  return (await db.selectFrom("dashboards").select("name").where("id", "=", id).executeTakeFirst())?.name;
}
