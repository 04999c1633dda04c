// Owns ingest: validating a batch of points, resolving each to a metric the caller may write,
// committing the batch in ONE transaction, and only then fanning it out as `metric_update`.
// REST and the built-in collectors share the store-then-fan-out half.
import { type IngestBody, ingestBody, MAX_FUTURE_MS, MAX_POINTS } from "@pulseboard/protocol/rest";
import { seriesKey } from "@pulseboard/protocol/series";
import type { AppContext } from "../context.ts";
import { requireRole, roleOf } from "../dashboards/access.ts";
import type { Metric } from "../db/schema.ts";
import { NotFoundError, ValidationError, type ValidationIssue } from "../http/errors.ts";
import { createSeries, existingSeries, familyTemplates, type NewSeries } from "../metrics/series.ts";
import { metricsByIds } from "../metrics/store.ts";
import type { Storage } from "../storage/index.ts";
import { isoTime } from "../storage/iso.ts";
import { KIND_CODES } from "../storage/rollup.ts";
import { NO_LABELS } from "../storage/series.ts";
import type { PointColumns } from "../storage/write.ts";
import { announceConfig } from "../ws/config.ts";
import { dashboardContract } from "../ws/dashboard-contract.ts";
import { dashboardGroup, type LivePoint, type PointObserver } from "../ws/fanout.ts";

type IngestPoint = IngestBody["points"][number];

/** A point resolved to its metric, ready to store; `offset` is its stream position once committed. */
export type StoredPoint = {
  metric: Metric;
  value: number;
  timestamp: number;
  offset?: number;
  /** `timestamp` as `toISOString` writes it, when the sender wrote it so (spares formatting it). */
  iso?: string;
};

const POINT_KEYS = new Set(["metric_id", "dashboard_id", "metric", "value", "timestamp"]);
// What z.iso.datetime({offset: true}) accepts: date, time with optional fraction, Z or ±hh:mm.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
/**
 * Whether a timestamp already validated is in the form `Date#toISOString` writes (a point stamped
 * so is streamed with its own text): of the valid forms, only that one is 24 characters ending in Z.
 */
const isCanonical = (valid: string) => valid.length === 24 && valid.charCodeAt(23) === 90;

/**
 * The time of a real calendar date and clock time (no 2026-02-30, no 25:00), as Zod checks, in
 * ms since 1970; NaN when the text is not one. One pass: the regex's fields give the time.
 */
function plainIsoMs(text: string): number {
  const fast = canonicalMs(text);
  if (fast !== undefined) return fast;
  const m = ISO.exec(text);
  if (!m) return Number.NaN;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  const h = +m[4]!;
  const mi = +m[5]!;
  const sec = +m[6]!;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59 || d < 1) return Number.NaN;
  // Sub-milliseconds are cut, as Date.parse does.
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000 + 1e-7) : 0;
  const day = Date.UTC(y, mo - 1, d);
  if (new Date(day).getUTCDate() !== d) return Number.NaN;
  let offset = 0;
  if (m[8] !== undefined) {
    const oh = +m[9]!;
    const om = +m[10]!;
    if (oh > 23 || om > 59) return Number.NaN;
    offset = (m[8] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  // Years before 100 are not what Date.UTC's two-digit years make of them.
  const at = day + ((h * 60 + mi) * 60 + sec) * 1000 + ms - offset;
  return y < 100 ? Date.parse(text) : at;
}
// The last calendar day seen by canonicalMs: a batch's points mostly share their day.
let lastDay = "";
let lastDayMs = Number.NaN;

/** Two ASCII digits at `i` as a number, or NaN. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

/**
 * The common `toISOString` form (`2026-12-01T14:05:09.123Z`, or without the fraction) read by
 * character codes, the day's validity remembered: undefined for any other form (the regex path).
 */
function canonicalMs(text: string): number | undefined {
  const n = text.length;
  if ((n !== 24 && n !== 20) || text.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (text[10] !== "T" || text[13] !== ":" || text[16] !== ":") return undefined;
  let day: number;
  if (text.startsWith(lastDay) && lastDay !== "") day = lastDayMs;
  else {
    const prefix = text.slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(prefix)) return undefined;
    const y = +prefix.slice(0, 4);
    const mo = +prefix.slice(5, 7);
    const d = +prefix.slice(8, 10);
    if (y < 100 || mo < 1 || mo > 12 || d < 1) return Number.NaN;
    day = Date.UTC(y, mo - 1, d);
    if (new Date(day).getUTCDate() !== d) return Number.NaN;
    lastDay = prefix;
    lastDayMs = day;
  }
  const h = two(text, 11);
  const mi = two(text, 14);
  const sec = two(text, 17);
  if (!(h <= 23 && mi <= 59 && sec <= 59)) return Number.NaN;
  let ms = 0;
  if (n === 24) {
    if (text[19] !== ".") return undefined;
    const a = two(text, 20);
    const c = text.charCodeAt(22) - 48;
    if (!(a >= 0) || !(c >= 0 && c <= 9)) return undefined;
    ms = a * 10 + c;
  } else if (text[19] !== "Z") return undefined;
  return day + ((h * 60 + mi) * 60 + sec) * 1000 + ms;
}

const positiveInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;

/** A batch as checked: its points, and each point's time in ms (NaN: none given, "now"). */
export type ParsedBatch = { points: IngestPoint[]; times: Float64Array };

/**
 * The common case checked by hand: a batch whose every point is plainly valid. Zod validating
 * 10,000 points cost more than storing them; anything this check does not accept goes through the
 * schema, which stays the one definition of what is valid and of every error message.
 */
function plainlyValid(body: unknown): ParsedBatch | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "points") return null;
  const points = (body as { points: unknown }).points;
  if (!Array.isArray(points) || points.length === 0 || points.length > MAX_POINTS) return null;
  const latest = Date.now() + MAX_FUTURE_MS;
  const times = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const p: unknown = points[i];
    if (typeof p !== "object" || p === null || Array.isArray(p)) return null;
    for (const k in p) if (!POINT_KEYS.has(k)) return null;
    const { metric_id, dashboard_id, metric, value, timestamp } = p as Record<string, unknown>;
    if (typeof value !== "number" || !Number.isFinite(value)) return null;
    if (metric_id !== undefined && !positiveInt(metric_id)) return null;
    if (dashboard_id !== undefined && !positiveInt(dashboard_id)) return null;
    if (metric !== undefined && (typeof metric !== "string" || metric.length < 1 || metric.length > 200))
      return null;
    if (metric_id === undefined && (metric === undefined || dashboard_id === undefined)) return null;
    if (timestamp === undefined) times[i] = Number.NaN;
    else {
      if (typeof timestamp !== "string") return null;
      const at = plainIsoMs(timestamp);
      if (!(at >= 0 && at <= latest)) return null;
      times[i] = at;
    }
  }
  return { points: points as IngestPoint[], times };
}

export function parseIngestBody(body: unknown): ParsedBatch {
  const plain = plainlyValid(body);
  if (plain) return plain;
  const parsed = ingestBody.safeParse(body);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error, ["body"]);
  const points = parsed.data.points;
  return {
    points,
    times: Float64Array.from(points, (p) => (p.timestamp ? Date.parse(p.timestamp) : Number.NaN)),
  };
}

/**
 * Resolves points to metrics the user may write (editor of every dashboard touched).
 * Unknown metric ids and dashboards the user cannot see are 404 (no leak of existence),
 * a viewer role is 403; nothing is stored in either case.
 */
export async function resolvePoints(
  ctx: Pick<AppContext, "db" | "config" | "channels" | "log">,
  userId: number,
  batch: ParsedBatch,
): Promise<StoredPoint[]> {
  const { db } = ctx;
  const { points, times } = batch;
  const ids = [...new Set(points.flatMap((p) => (p.metric_id !== undefined ? [p.metric_id] : [])))];
  const byId = await metricsByIds(db, ids);
  const names = points.filter((p) => p.metric_id === undefined);
  const byName = new Map<string, Metric>();
  const nameDashboards = [...new Set(names.map((p) => p.dashboard_id!))];

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
  for (const dashboardId of nameDashboards) {
    const named = names.filter((p) => p.dashboard_id === dashboardId);
    const found = await existingSeries(db, dashboardId, [...new Set(named.map(seriesNameOf))]);
    await createLabeledSeries(ctx, dashboardId, named, found);
    for (const m of found.values()) byName.set(`${dashboardId}\u0000${m.name}`, m);
  }

  const missing: ValidationIssue[] = [];
  const now = Date.now();
  const out: StoredPoint[] = [];
  points.forEach((p, index) => {
    const metric =
      p.metric_id !== undefined
        ? byId.get(p.metric_id)
        : byName.get(`${p.dashboard_id}\u0000${seriesNameOf(p)}`);
    if (!metric) {
      missing.push({
        type: "not_found",
        loc: ["body", "points", index, p.metric_id !== undefined ? "metric_id" : "metric"],
        msg: "no such metric",
      });
      return;
    }
    const at = times[index]!;
    if (Number.isNaN(at)) out.push({ metric, value: p.value, timestamp: now });
    else if (isCanonical(p.timestamp!)) out.push({ metric, value: p.value, timestamp: at, iso: p.timestamp });
    else out.push({ metric, value: p.value, timestamp: at });
  });
  if (missing.some((d) => d.loc[3] === "metric_id")) {
    throw new NotFoundError(
      `Metric (point ${missing.find((d) => d.loc[3] === "metric_id")!.loc[2]}) not found`,
    );
  }
  if (missing.length) throw new ValidationError(missing, "Unknown metric in batch");
  return out;
}

/** The metric a point names: `metric`, or the series `metric{labels}` when it has labels. */
const seriesNameOf = (p: IngestPoint) => (p.labels ? seriesKey(p.metric!, p.labels) : p.metric!);

/**
 * Labeled points of a family the dashboard has (its unlabeled metric or any of its series) create
 * their series on first sight, with the family's type, unit and description, under the
 * cardinality limit; points of an unknown family stay unknown (answered as such below).
 */
async function createLabeledSeries(
  ctx: Pick<AppContext, "db" | "config" | "channels" | "log">,
  dashboardId: number,
  named: IngestPoint[],
  found: Map<string, Metric>,
): Promise<void> {
  const labeled = named.filter((p) => p.labels && !found.has(seriesNameOf(p)));
  if (labeled.length === 0) return;
  const templates = await familyTemplates(ctx.db, dashboardId, [...new Set(labeled.map((p) => p.metric!))]);
  const missing = new Map<string, NewSeries>();
  for (const p of labeled) {
    const template = templates.get(p.metric!);
    if (template) missing.set(seriesNameOf(p), template);
  }
  if (missing.size === 0) return;
  await createSeries(ctx, dashboardId, missing, found);
  await announceConfig(ctx, dashboardId);
}

/**
 * Stores the points in one transaction; resolves only once committed (durable), offsets set.
 * Series are looked up once per metric, not per point, and the batch goes to storage as columns.
 */
export async function storePoints(storage: Storage, points: StoredPoint[]): Promise<void> {
  const n = points.length;
  if (n === 0) return;
  const metrics = new Map<number, Metric>();
  for (let i = 0; i < n; i++) {
    const m = points[i]!.metric;
    if (!metrics.has(m.id)) metrics.set(m.id, m);
  }
  const wanted = [...metrics.keys()].map((metricId) => ({ metricId, labels: NO_LABELS }));
  const ids = await storage.series.idsFor(wanted);
  const seriesOf = new Map<number, number>();
  for (const id of metrics.keys()) seriesOf.set(id, ids.get(storage.series.keyOf(id, NO_LABELS))!);
  const cols: PointColumns = {
    n,
    dashboards: new Float64Array(n),
    series: new Float64Array(n),
    kind: new Uint8Array(n),
    values: new Float64Array(n),
    ts: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    cols.dashboards[i] = p.metric.dashboard_id;
    cols.series[i] = seriesOf.get(p.metric.id)!;
    cols.kind[i] = KIND_CODES.indexOf(p.metric.type);
    cols.values[i] = p.value;
    cols.ts[i] = p.timestamp;
  }
  const offsets = await storage.write(cols);
  for (let i = 0; i < n; i++) points[i]!.offset = offsets[i]!;
}

export function metricUpdatePayload(p: StoredPoint, committedAt?: string): LivePoint {
  const payload: LivePoint = {
    metric_id: p.metric.id,
    value: p.value,
    timestamp: p.iso ?? isoTime(p.timestamp),
    metric_name: p.metric.name,
    unit: p.metric.unit,
  };
  if (p.offset !== undefined) payload.offset = p.offset;
  if (committedAt !== undefined) payload.committed_at = committedAt;
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
  // A point's frame is built only for whom it reaches: an observer that wants its metric, or a
  // dashboard someone has open (asked once per metric and per dashboard).
  const live: Array<LivePoint | undefined> = new Array(points.length);
  const frame = (i: number) => {
    live[i] ??= metricUpdatePayload(points[i]!, committed_at);
    return live[i];
  };
  const observersOf = new Map<number, PointObserver[]>();
  for (let i = 0; i < points.length; i++) {
    const metricId = points[i]!.metric.id;
    let wanting = observersOf.get(metricId);
    if (!wanting) {
      wanting = ctx.pointObservers.filter((o) => o.wants(metricId));
      observersOf.set(metricId, wanting);
    }
    if (wanting.length === 0) continue;
    const point = frame(i);
    for (const o of wanting) o.observe(point);
  }
  const reached = new Map<number, boolean>();
  for (const [i, p] of points.entries()) {
    const id = p.metric.dashboard_id;
    let reaches = reached.get(id);
    if (reaches === undefined) {
      reaches = ctx.channels.reaches?.(dashboardGroup(id)) ?? true;
      reached.set(id, reaches);
    }
    if (reaches)
      await ctx.channels.groupSend(dashboardContract, dashboardGroup(id), "metric_update", frame(i));
  }
}

/** The REST path up to the commit: validate, authorize, store. Fan out the result afterwards. */
export async function ingest(
  ctx: Pick<AppContext, "db" | "storage" | "config" | "channels" | "log">,
  userId: number,
  body: unknown,
): Promise<StoredPoint[]> {
  const points = await resolvePoints(ctx, userId, parseIngestBody(body));
  await storePoints(ctx.storage, points);
  return points;
}
