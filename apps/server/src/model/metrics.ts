// Owns metric definitions: creation (name unique per dashboard), lookup with permission.
import { rulesForNewSeries } from "../alerts/selector-rules.ts";
import type { Db, Metric, MetricType, Role } from "../db/schema.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { requireRole } from "./access.ts";

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
