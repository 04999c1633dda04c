// Owns dashboard tags (table dashboard_tags, migration 008): reading them for many dashboards at
// once and replacing a dashboard's set. Tags are compared as given (trimmed), kept sorted.
import type { Kysely } from "kysely";
import type { Database, Db } from "../db/schema.ts";

type TagTables = { dashboard_tags: { dashboard_id: number; tag: string } };
type TagDb = Kysely<Database & TagTables>;

function tagDb(db: Db): TagDb {
  return db.withTables<TagTables>();
}

/** Tags per dashboard id (every id asked for is in the map, maybe with no tags). */
export async function tagsOf(db: Db, dashboardIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>(dashboardIds.map((id) => [id, []]));
  if (dashboardIds.length === 0) return out;
  const rows = await tagDb(db)
    .selectFrom("dashboard_tags")
    .select(["dashboard_id", "tag"])
    .where("dashboard_id", "in", dashboardIds)
    .orderBy("tag")
    .execute();
  for (const r of rows) out.get(r.dashboard_id)?.push(r.tag);
  return out;
}

/** Replaces the dashboard's tags; true when they changed. */
export async function setTags(db: Db, dashboardId: number, tags: string[]): Promise<boolean> {
  const next = [...new Set(tags.map((t) => t.trim()))].sort();
  const current = (await tagsOf(db, [dashboardId])).get(dashboardId) ?? [];
  if (JSON.stringify(current) === JSON.stringify(next)) return false;
  const t = tagDb(db);
  await t.deleteFrom("dashboard_tags").where("dashboard_id", "=", dashboardId).execute();
  if (next.length)
    await t
      .insertInto("dashboard_tags")
      .values(next.map((tag) => ({ dashboard_id: dashboardId, tag })))
      .execute();
  return true;
}
