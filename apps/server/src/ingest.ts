// Owns ingest: validating a batch of points, resolving each to a metric the caller may write,
// committing the batch in ONE transaction, and only then fanning it out as `metric_update`.
// REST and the built-in collectors share the store-then-fan-out half.
import { type IngestBody, ingestBody, MAX_FUTURE_MS, MAX_POINTS } from "@pulseboard/client/rest";
import type { AppContext } from "./context.ts";
import type { Db, Metric } from "./db/schema.ts";
import { NotFoundError, ValidationError, type ValidationIssue } from "./errors.ts";
import { dashboardGroup, type LivePoint } from "./fanout.ts";
import { requireRole, roleOf } from "./model/access.ts";
import type { Storage } from "./storage/index.ts";
import { NO_LABELS } from "./storage/series.ts";

type IngestPoint = IngestBody["points"][number];

/** A point resolved to its metric, ready to store; `offset` is its stream position once committed. */
export type StoredPoint = { metric: Metric; value: number; timestamp: number; offset?: number };

const CHUNK = 1000;

const POINT_KEYS = new Set(["metric_id", "dashboard_id", "metric", "value", "timestamp"]);
// What z.iso.datetime({offset: true}) accepts: date, time with optional fraction, Z or ±hh:mm.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** A real calendar date and clock time (no 2026-02-30, no 25:00), as Zod checks. */
function plainIso(text: string): boolean {
  const m = ISO.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  if (mo! < 1 || mo! > 12 || h! > 23 || mi! > 59 || sec! > 59) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return d! >= 1 && new Date(Date.UTC(y!, mo! - 1, d!)).getUTCDate() === d;
}
const positiveInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;

/**
 * The common case checked by hand: a batch whose every point is plainly valid. Zod validating
 * 10,000 points cost more than storing them; anything this check does not accept goes through the
 * schema, which stays the one definition of what is valid and of every error message.
 */
function plainlyValid(body: unknown): body is { points: IngestPoint[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "points") return false;
  const points = (body as { points: unknown }).points;
  if (!Array.isArray(points) || points.length === 0 || points.length > MAX_POINTS) return false;
  const latest = Date.now() + MAX_FUTURE_MS;
  for (const p of points) {
    if (typeof p !== "object" || p === null || Array.isArray(p)) return false;
    for (const k in p) if (!POINT_KEYS.has(k)) return false;
    const { metric_id, dashboard_id, metric, value, timestamp } = p as Record<string, unknown>;
    if (typeof value !== "number" || !Number.isFinite(value)) return false;
    if (metric_id !== undefined && !positiveInt(metric_id)) return false;
    if (dashboard_id !== undefined && !positiveInt(dashboard_id)) return false;
    if (metric !== undefined && (typeof metric !== "string" || metric.length < 1 || metric.length > 200))
      return false;
    if (metric_id === undefined && (metric === undefined || dashboard_id === undefined)) return false;
    if (timestamp !== undefined) {
      if (typeof timestamp !== "string" || !plainIso(timestamp)) return false;
      const at = Date.parse(timestamp);
      if (!(at >= 0 && at <= latest)) return false;
    }
  }
  return true;
}

export function parseIngestBody(body: unknown): IngestPoint[] {
  if (plainlyValid(body)) return body.points;
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

  // A metric id on a dashboard the caller is not a member of is answered exactly as one that does
  // not exist (same status, same message): ids cannot be probed for existence.
  const idDashboards = new Set([...byId.values()].map((m) => m.dashboard_id));
  for (const dashboardId of idDashboards) {
    if ((await roleOf(db, userId, dashboardId)) !== undefined) continue;
    for (const [id, m] of byId) if (m.dashboard_id === dashboardId) byId.delete(id);
  }
  // Permission before existence of names, so a non-member learns nothing about metric names.
  const dashboards = new Set<number>(nameDashboards);
  for (const m of byId.values()) dashboards.add(m.dashboard_id);
  for (const dashboardId of dashboards) await requireRole(db, userId, dashboardId, "editor");

  const missing: ValidationIssue[] = [];
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
    throw new NotFoundError(
      `Metric (point ${missing.find((d) => d.loc[3] === "metric_id")!.loc[2]}) not found`,
    );
  }
  if (missing.length) throw new ValidationError(missing, "Unknown metric in batch");
  return out;
}

/** Stores the points in one transaction; resolves only once committed (durable), offsets set. */
export async function storePoints(storage: Storage, points: StoredPoint[]): Promise<void> {
  if (points.length === 0) return;
  const series = await storage.series.idsFor(
    points.map((p) => ({ metricId: p.metric.id, labels: NO_LABELS })),
  );
  const offsets = await storage.write(
    points.map((p) => ({
      dashboardId: p.metric.dashboard_id,
      seriesId: series.get(storage.series.keyOf(p.metric.id, NO_LABELS))!,
      histogram: p.metric.type === "histogram",
      value: p.value,
      timestamp: p.timestamp,
    })),
  );
  points.forEach((p, i) => {
    p.offset = offsets[i]!;
  });
}

export function metricUpdatePayload(p: StoredPoint): LivePoint {
  const payload: LivePoint = {
    metric_id: p.metric.id,
    value: p.value,
    timestamp: new Date(p.timestamp).toISOString(),
    metric_name: p.metric.name,
    unit: p.metric.unit,
  };
  if (p.offset !== undefined) payload.offset = p.offset;
  return payload;
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
export async function ingest(
  ctx: Pick<AppContext, "db" | "storage">,
  userId: number,
  body: unknown,
): Promise<StoredPoint[]> {
  const points = await resolvePoints(ctx.db, userId, parseIngestBody(body));
  await storePoints(ctx.storage, points);
  return points;
}
