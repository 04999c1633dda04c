// Owns ingest: validating a batch of points, resolving each to a metric the caller may write,
// committing the batch in ONE transaction, and only then fanning it out as `metric_update`.
// REST and the built-in collectors share the store-then-fan-out half.
import { z } from "zod";
import type { AppContext } from "./context.ts";
import type { Db, Metric } from "./db/schema.ts";
import { type ErrorDetail, NotFoundError, ValidationError } from "./errors.ts";
import { dashboardGroup, type LivePoint } from "./fanout.ts";
import { requireRole } from "./model/access.ts";

export const MAX_POINTS = 10_000;
/** A point stamped further ahead of the server's clock than this is refused (clock skew allowance). */
export const MAX_FUTURE_MS = 10 * 60_000;

// Charts, `latest` and history ranges all assume time moves forward: a point from year 9999 (or a
// seconds-vs-milliseconds mix-up) would sit at the end of every range for ever.
const pointTimestamp = z.iso
  .datetime({ offset: true })
  .refine((t) => Date.parse(t) >= 0, "timestamp before 1970-01-01 is out of range")
  .refine(
    (t) => Date.parse(t) <= Date.now() + MAX_FUTURE_MS,
    `timestamp is more than ${MAX_FUTURE_MS / 60_000} minutes ahead of the server's clock`,
  );

const point = z
  .object({
    metric_id: z.number().int().positive().optional(),
    dashboard_id: z.number().int().positive().optional(),
    metric: z.string().min(1).max(200).optional(),
    // Zod 4 refuses NaN and ±Infinity: values must be finite.
    value: z.number(),
    timestamp: pointTimestamp.optional(),
  })
  .strict()
  .refine((p) => p.metric_id !== undefined || (p.metric !== undefined && p.dashboard_id !== undefined), {
    message: "a point needs metric_id, or metric (name) and dashboard_id",
  });

export const ingestBody = z.object({ points: z.array(point).min(1).max(MAX_POINTS) }).strict();
export type IngestPoint = z.infer<typeof point>;

/** A point resolved to its metric, ready to store. */
export type StoredPoint = { metric: Metric; value: number; timestamp: number };

const CHUNK = 1000;

export function parseIngestBody(body: unknown): IngestPoint[] {
  const parsed = ingestBody.safeParse(body);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error, ["body"]);
  return parsed.data.points;
}

/**
 * Resolves points to metrics the user may write (editor of every dashboard touched).
 * Unknown metric ids and dashboards the user cannot see are 404 (no leak of existence),
 * a viewer role is 403; nothing is stored in either case.
 */
export async function resolvePoints(db: Db, userId: number, points: IngestPoint[]): Promise<StoredPoint[]> {
  const ids = [...new Set(points.flatMap((p) => (p.metric_id !== undefined ? [p.metric_id] : [])))];
  const byId = new Map<number, Metric>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom("metrics")
      .selectAll()
      .where("id", "in", ids.slice(i, i + CHUNK))
      .execute();
    for (const m of rows) byId.set(m.id, m);
  }
  const names = points.filter((p) => p.metric_id === undefined);
  const byName = new Map<string, Metric>();
  const nameDashboards = [...new Set(names.map((p) => p.dashboard_id!))];
  for (const dashboardId of nameDashboards) {
    const wanted = [...new Set(names.filter((p) => p.dashboard_id === dashboardId).map((p) => p.metric!))];
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const rows = await db
        .selectFrom("metrics")
        .selectAll()
        .where("dashboard_id", "=", dashboardId)
        .where("name", "in", wanted.slice(i, i + CHUNK))
        .execute();
      for (const m of rows) byName.set(`${dashboardId}\u0000${m.name}`, m);
    }
  }

  // Permission before existence of names, so a non-member learns nothing about metric names.
  const dashboards = new Set<number>(nameDashboards);
  for (const m of byId.values()) dashboards.add(m.dashboard_id);
  for (const dashboardId of dashboards) await requireRole(db, userId, dashboardId, "editor");

  const missing: ErrorDetail[] = [];
  const now = Date.now();
  const out: StoredPoint[] = [];
  points.forEach((p, index) => {
    const metric =
      p.metric_id !== undefined ? byId.get(p.metric_id) : byName.get(`${p.dashboard_id}\u0000${p.metric}`);
    if (!metric) {
      missing.push({
        type: "not_found",
        loc: ["body", "points", index, p.metric_id !== undefined ? "metric_id" : "metric"],
        msg: "no such metric",
      });
      return;
    }
    out.push({ metric, value: p.value, timestamp: p.timestamp ? Date.parse(p.timestamp) : now });
  });
  if (missing.some((d) => d.loc[3] === "metric_id")) {
    throw new NotFoundError(`Metric (point ${missing.find((d) => d.loc[3] === "metric_id")!.loc[2]})`);
  }
  if (missing.length) throw new ValidationError(missing, "Unknown metric in batch");
  return out;
}

/** Stores the points in one transaction; resolves only once committed (durable). */
export async function storePoints(db: Db, points: StoredPoint[]): Promise<void> {
  if (points.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < points.length; i += CHUNK) {
      await trx
        .insertInto("metric_values")
        .values(
          points
            .slice(i, i + CHUNK)
            .map((p) => ({ metric_id: p.metric.id, value: p.value, timestamp: p.timestamp })),
        )
        .execute();
    }
  });
}

export function metricUpdatePayload(p: StoredPoint) {
  return {
    metric_id: p.metric.id,
    value: p.value,
    timestamp: new Date(p.timestamp).toISOString(),
    metric_name: p.metric.name,
    unit: p.metric.unit,
  };
}

/**
 * After commit: every point to the observers (alert evaluation, which queues it), then to its
 * dashboard's group, in batch order. Observers see the whole batch at once, before any publish, so
 * a channel layer that is down or slow neither skips nor delays evaluation.
 */
export async function fanOut(ctx: Pick<AppContext, "channels" | "pointObservers">, points: StoredPoint[]) {
  // fanOut runs right after the commit: this is the moment the points became durable.
  const committed_at = new Date().toISOString();
  const live: LivePoint[] = points.map((p) => ({ ...metricUpdatePayload(p), committed_at }));
  for (const point of live) for (const observe of ctx.pointObservers) observe(point);
  for (const [i, p] of points.entries()) {
    await ctx.channels.groupSend(dashboardGroup(p.metric.dashboard_id), "metric_update", live[i]);
  }
}

/** The REST path up to the commit: validate, authorize, store. Fan out the result afterwards. */
export async function ingest(db: Db, userId: number, body: unknown): Promise<StoredPoint[]> {
  const points = await resolvePoints(db, userId, parseIngestBody(body));
  await storePoints(db, points);
  return points;
}
