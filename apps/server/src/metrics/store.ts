// Owns metric definitions: creation (name unique per dashboard), lookup with permission.
import { rulesForNewSeries } from "../alerts/selector-rules.ts";
import { requireRole } from "../dashboards/access.ts";
import { dropMetricWidgets } from "../dashboards/layouts.ts";
import { inChunks } from "../db/in-chunks.ts";
import type { Db, Metric, MetricType, Role } from "../db/schema.ts";
import { ConflictError, NotFoundError } from "../http/errors.ts";

export type MetricInput = {
  name: string;
  description?: string | undefined;
  type: MetricType;
  unit?: string | undefined;
};

/** Metric names are unique per dashboard: a clear 409 rather than the constraint's error. */
export async function assertMetricNameFree(db: Db, dashboardId: number, name: string): Promise<void> {
  const taken = await db
    .selectFrom("metrics")
    .select("id")
    .where("dashboard_id", "=", dashboardId)
    .where("name", "=", name)
    .executeTakeFirst();
  if (taken) throw new ConflictError(`Metric "${name}" already exists on this dashboard`);
}

export async function createMetric(db: Db, dashboardId: number, input: MetricInput): Promise<Metric> {
  await assertMetricNameFree(db, dashboardId, input.name);
  const metric = await db
    .insertInto("metrics")
    .values({
      dashboard_id: dashboardId,
      name: input.name,
      description: input.description ?? "",
      type: input.type,
      unit: input.unit ?? "",
      created_at: Date.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  // A labeled series (its name is its key) gets the rules of the selector sets matching it.
  if (metric.name.includes("{")) await rulesForNewSeries(db, dashboardId, [metric]);
  return metric;
}

/** Of these metric ids, those on the dashboard. */
export async function metricIdsOn(db: Db, dashboardId: number, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("metrics")
    .select("id")
    .where("dashboard_id", "=", dashboardId)
    .where("id", "in", ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** The metrics of these ids (any dashboard: the caller checks access), by id. */
export async function metricsByIds(db: Db, ids: readonly number[]): Promise<Map<number, Metric>> {
  const rows = await inChunks(ids, (part) =>
    db.selectFrom("metrics").selectAll().where("id", "in", part).execute(),
  );
  return new Map(rows.map((m) => [m.id, m]));
}

export async function updateMetric(
  db: Db,
  id: number,
  fields: { name?: string | undefined; description?: string | undefined; unit?: string | undefined },
): Promise<void> {
  if (Object.keys(fields).length) await db.updateTable("metrics").set(fields).where("id", "=", id).execute();
}

/** Deletes a metric with its history, rules and widgets, in one transaction. */
export async function deleteMetric(db: Db, metric: Metric): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("metrics").where("id", "=", metric.id).execute();
    await dropMetricWidgets(trx, metric.dashboard_id, metric.id);
  });
}

/** The metric if the user holds at least `min` on its dashboard; 404 otherwise (or 403 if too low). */
export async function metricFor(db: Db, userId: number, metricId: number, min: Role): Promise<Metric> {
  const metric = await db.selectFrom("metrics").selectAll().where("id", "=", metricId).executeTakeFirst();
  if (!metric) throw new NotFoundError("Metric not found");
  try {
    await requireRole(db, userId, metric.dashboard_id, min);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError("Metric not found");
    throw error;
  }
  return metric;
}

/** A metric's name (its series key), if it still exists. */
export async function metricNameOf(db: Db, id: number): Promise<string | undefined> {
  return (await db.selectFrom("metrics").select("name").where("id", "=", id).executeTakeFirst())?.name;
}
