// Owns answering reads from chunks: the newest N points, points in a range, points after a stream
// offset (replay), downsampled buckets (from the coarsest tier that still gives the buckets asked
// for), and export windows. Runs in the read workers (reader-worker.ts), never on the event loop.
//
// Chunks of one series may overlap in time (a back-dated batch makes its own chunk), so every
// reader merges what it decoded and sorts by (timestamp, offset) unless the chunks are disjoint.
import type { Db } from "../db/schema.ts";
import { decodeBucketColumns, decodeRaw, type RawRun, sliceRun } from "./codec.ts";
import { isoTime } from "./iso.ts";
import {
  type BucketColumns,
  bucketAt,
  concatColumns,
  counterStep,
  mergeBuckets,
  mergeColumnInto,
  type SeriesKind,
  sketchQuantile,
  TIER_RES_MS,
  type Tier,
  toBuckets,
  toColumns,
} from "./rollup.ts";

export type Range = { from?: number | undefined; to?: number | undefined };
export type Retention = Record<Tier, number>;

type ChunkRow = { start_ts: number; end_ts: number; count: number; data: Uint8Array };

const EMPTY: RawRun = {
  n: 0,
  ts: new Float64Array(0),
  values: new Float64Array(0),
  offsets: new Float64Array(0),
};
/** Up to this many raw points a downsampled answer is computed from raw points, exactly. */
export const RAW_BUDGET = 50_000;

function chunkQuery(db: Db, seriesId: number, tier: Tier, range: Range) {
  let q = db
    .selectFrom("chunks")
    .select(["start_ts", "end_ts", "count", "data"])
    .where("series_id", "=", seriesId)
    .where("tier", "=", tier);
  if (range.from !== undefined) q = q.where("end_ts", ">=", range.from);
  if (range.to !== undefined) q = q.where("start_ts", "<=", range.to);
  return q;
}

/** Concatenates decoded runs, keeping only points in range, sorted by (ts, offset). */
export function mergeRuns(runs: RawRun[], range: Range): RawRun {
  const from = range.from ?? Number.NEGATIVE_INFINITY;
  const to = range.to ?? Number.POSITIVE_INFINITY;
  let total = 0;
  for (const r of runs) total += r.n;
  const out = {
    n: 0,
    ts: new Float64Array(total),
    values: new Float64Array(total),
    offsets: new Float64Array(total),
  };
  let sorted = true;
  let lastTs = Number.NEGATIVE_INFINITY;
  let lastOffset = Number.NEGATIVE_INFINITY;
  for (const r of runs)
    for (let i = 0; i < r.n; i++) {
      const t = r.ts[i]!;
      if (t < from || t > to) continue;
      const o = r.offsets[i]!;
      if (t < lastTs || (t === lastTs && o < lastOffset)) sorted = false;
      lastTs = t;
      lastOffset = o;
      out.ts[out.n] = t;
      out.values[out.n] = r.values[i]!;
      out.offsets[out.n] = o;
      out.n++;
    }
  if (sorted) return out;
  const order = Array.from({ length: out.n }, (_, i) => i);
  order.sort((a, b) => out.ts[a]! - out.ts[b]! || out.offsets[a]! - out.offsets[b]!);
  const s = {
    n: out.n,
    ts: new Float64Array(out.n),
    values: new Float64Array(out.n),
    offsets: new Float64Array(out.n),
  };
  order.forEach((j, i) => {
    s.ts[i] = out.ts[j]!;
    s.values[i] = out.values[j]!;
    s.offsets[i] = out.offsets[j]!;
  });
  return s;
}

/** Every raw point of the series in [from, to]. */
export async function readRaw(db: Db, seriesId: number, range: Range): Promise<RawRun> {
  const rows = (await chunkQuery(db, seriesId, 0, range).orderBy("start_ts").execute()) as ChunkRow[];
  if (rows.length === 0) return EMPTY;
  return mergeRuns(
    rows.map((r) => decodeRaw(r.data)),
    range,
  );
}

/**
 * The newest `limit` points at or before `to`, oldest first. Chunks are read newest-end first
 * until no unread chunk can hold a point newer than the limit-th newest found.
 */
export async function readRecent(db: Db, seriesId: number, limit: number, to?: number): Promise<RawRun> {
  let q = db
    .selectFrom("chunks")
    .select(["start_ts", "end_ts", "count"])
    .where("series_id", "=", seriesId)
    .where("tier", "=", 0);
  if (to !== undefined) q = q.where("start_ts", "<=", to);
  const meta = await q.orderBy("end_ts", "desc").limit(10_000).execute();
  // Which chunks: newest ends first, until `limit` points are certainly covered.
  let covered = 0;
  let earliestStart = Number.POSITIVE_INFINITY;
  let take = 0;
  for (const m of meta) {
    if (covered >= limit && m.end_ts < earliestStart) break;
    covered += m.count;
    earliestStart = Math.min(earliestStart, m.start_ts);
    take++;
  }
  if (take === 0) return EMPTY;
  const since = meta.slice(0, take).reduce((lo, m) => Math.min(lo, m.start_ts), Number.POSITIVE_INFINITY);
  const all = await readRaw(db, seriesId, { from: since, to });
  return sliceRun(all, Math.max(0, all.n - limit), all.n);
}

/** The first `limit` points at or after `from` (and at or before `to`), oldest first. */
export async function readFrom(
  db: Db,
  seriesId: number,
  from: number,
  to: number | undefined,
  limit: number,
): Promise<RawRun> {
  const rows = (await chunkQuery(db, seriesId, 0, { from, to })
    .orderBy("start_ts")
    .limit(10_000)
    .execute()) as ChunkRow[];
  // Chunks in start order, decoded one by one until `limit` points in range are found and no
  // later chunk can start before the latest point read (chunks may overlap).
  const runs: RawRun[] = [];
  let found = 0;
  let latestEnd = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (found >= limit && r.start_ts > latestEnd) break;
    const run = decodeRaw(r.data);
    runs.push(run);
    for (let i = 0; i < run.n; i++) {
      const t = run.ts[i]!;
      if (t >= from && (to === undefined || t <= to)) found++;
    }
    latestEnd = Math.max(latestEnd, r.end_ts);
  }
  const all = mergeRuns(runs, { from, to });
  return sliceRun(all, 0, Math.min(limit, all.n));
}

/** Every raw point of these series with an offset after `after`, in offset order, at most `limit`. */
export async function readAfterOffset(
  db: Db,
  seriesIds: number[],
  after: number,
  limit: number,
): Promise<{ series: Float64Array; run: RawRun; more: boolean }> {
  if (seriesIds.length === 0) return { series: new Float64Array(0), run: EMPTY, more: false };
  const rows = await db
    .selectFrom("chunks")
    .select(["series_id", "first_offset", "last_offset", "count", "data"])
    .where("series_id", "in", seriesIds)
    .where("tier", "=", 0)
    .where("last_offset", ">", after)
    .orderBy("first_offset")
    .execute();
  type P = { s: number; t: number; v: number; o: number };
  const picked: P[] = [];
  // Chunks by first offset: once `limit` points are found, a chunk starting past the limit-th
  // smallest offset cannot contribute.
  let bound = Number.POSITIVE_INFINITY;
  // A chunk left unread holds points after the limit-th: there is more.
  let unread = false;
  for (const r of rows) {
    if (picked.length >= limit && r.first_offset > bound) {
      unread = true;
      break;
    }
    const run = decodeRaw(r.data as Uint8Array);
    for (let i = 0; i < run.n; i++) {
      const o = run.offsets[i]!;
      if (o > after) picked.push({ s: r.series_id, t: run.ts[i]!, v: run.values[i]!, o });
    }
    if (picked.length >= limit) {
      picked.sort((a, b) => a.o - b.o);
      picked.length = Math.min(picked.length, limit + 1);
      bound = picked[Math.min(limit, picked.length) - 1]!.o;
    }
  }
  picked.sort((a, b) => a.o - b.o);
  const more = unread || picked.length > limit;
  const n = Math.min(limit, picked.length);
  const series = new Float64Array(n);
  const run = { n, ts: new Float64Array(n), values: new Float64Array(n), offsets: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const p = picked[i]!;
    series[i] = p.s;
    run.ts[i] = p.t;
    run.values[i] = p.v;
    run.offsets[i] = p.o;
  }
  return { series, run, more };
}

/** The oldest offset still stored for these series (replays from before it cannot be exact). */
export async function oldestOffset(db: Db, seriesIds: number[]): Promise<number | null> {
  if (seriesIds.length === 0) return null;
  const row = await db
    .selectFrom("chunks")
    .select((eb) => eb.fn.min("first_offset").as("lo"))
    .where("series_id", "in", seriesIds)
    .where("tier", "=", 0)
    .executeTakeFirst();
  return row?.lo === null || row?.lo === undefined ? null : Number(row.lo);
}

/** First index of `ts` (sorted) at or past `t` (`after`: past `t`). */
function bound(ts: Float64Array, n: number, t: number, after: boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t || (after && ts[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The merged buckets of a rollup tier in [from, to], as columns. Chunks that do not overlap in time
 * (compacted history) hold distinct buckets in order and are taken as decoded; only a run of chunks
 * that overlap (partial buckets of recent or late batches) is merged bucket by bucket.
 */
export async function readBuckets(
  db: Db,
  seriesId: number,
  tier: 1 | 2,
  range: Range,
): Promise<BucketColumns> {
  const rows = (await chunkQuery(db, seriesId, tier, range).orderBy("start_ts").execute()) as ChunkRow[];
  const from = range.from ?? Number.NEGATIVE_INFINITY;
  const to = range.to ?? Number.POSITIVE_INFINITY;
  const parts: Array<{ c: BucketColumns; start: number; end: number }> = [];
  const take = (c: BucketColumns) => {
    const start = bound(c.ts, c.n, from, false);
    const end = bound(c.ts, c.n, to, true);
    if (end > start) parts.push({ c, start, end });
  };
  let run: BucketColumns[] = [];
  let runEnd = Number.NEGATIVE_INFINITY;
  const flush = () => {
    if (run.length === 1) take(run[0]!);
    else if (run.length > 1) take(toColumns(mergeBuckets(run.flatMap(toBuckets))));
    run = [];
  };
  for (const r of rows) {
    if (Number(r.start_ts) > runEnd) flush();
    run.push(decodeBucketColumns(r.data));
    runEnd = Math.max(runEnd, Number(r.end_ts));
  }
  flush();
  return concatColumns(parts);
}

// ---- downsampling ----------------------------------------------------------------------------

export type OutBucket = {
  value: number;
  timestamp: string;
  min: number;
  max: number;
  count: number;
  /** Counters: increase over the bucket, resets counted from zero. */
  increase?: number;
  p50?: number;
  p95?: number;
  p99?: number;
};

const iso = isoTime;

async function bounds(db: Db, seriesId: number, range: Range) {
  let q = db
    .selectFrom("chunks")
    .select((eb) => [
      eb.fn.min("start_ts").as("first"),
      eb.fn.max("end_ts").as("last"),
      eb.fn.sum<number>("count").as("n"),
    ])
    .where("series_id", "=", seriesId)
    .where("tier", "=", 0);
  if (range.from !== undefined) q = q.where("end_ts", ">=", range.from);
  if (range.to !== undefined) q = q.where("start_ts", "<=", range.to);
  const b = await q.executeTakeFirst();
  return {
    first: b?.first == null ? undefined : Number(b.first),
    last: b?.last == null ? undefined : Number(b.last),
    n: b?.n == null ? 0 : Number(b.n),
  };
}

/** Quantile of a sorted typed array (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!;
}

function fromRaw(run: RawRun, from: number, to: number, points: number, kind: SeriesKind): OutBucket[] {
  if (run.n <= points) {
    const out: OutBucket[] = [];
    for (let i = 0; i < run.n; i++) {
      const v = run.values[i]!;
      out.push({ value: v, timestamp: iso(run.ts[i]!), min: v, max: v, count: 1 });
    }
    return out;
  }
  const width = Math.max(1, Math.ceil((to - from) / points));
  const out: OutBucket[] = [];
  let i = 0;
  let prevLast: number | undefined;
  while (i < run.n) {
    // Only a point exactly at `to` can land one bucket past the last: it joins the last.
    const b = Math.min(points - 1, Math.floor((run.ts[i]! - from) / width));
    let j = i;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let inc = 0;
    let prev = prevLast;
    while (j < run.n && Math.min(points - 1, Math.floor((run.ts[j]! - from) / width)) === b) {
      const v = run.values[j]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      if (prev !== undefined) inc += counterStep(prev, v);
      prev = v;
      j++;
    }
    const count = j - i;
    // A sum of huge finite values can overflow: then a running mean, which stays in range.
    let avg = sum / count;
    if (!Number.isFinite(avg)) {
      avg = run.values[i]!;
      for (let k = i + 1; k < j; k++) {
        const v = run.values[k]!;
        const n = k - i + 1;
        const diff = v - avg;
        avg = Number.isFinite(diff) ? avg + diff / n : avg * ((n - 1) / n) + v / n;
      }
    }
    const bucket: OutBucket = { value: avg, timestamp: iso(from + b * width), min, max, count };
    if (kind === "counter") bucket.increase = inc;
    if (kind === "histogram") {
      const sorted = Float64Array.from(run.values.subarray(i, j)).sort();
      bucket.p50 = quantile(sorted, 0.5);
      bucket.p95 = quantile(sorted, 0.95);
      bucket.p99 = quantile(sorted, 0.99);
    }
    out.push(bucket);
    prevLast = prev;
    i = j;
  }
  return out;
}

/** Buckets of `width` from tier buckets in order, each merged as rollup.ts mergeInto merges two. */
function fromBuckets(c: BucketColumns, from: number, width: number, kind: SeriesKind): OutBucket[] {
  const out: OutBucket[] = [];
  let prevLast: number | undefined;
  for (let i = 0; i < c.n; ) {
    const index = Math.floor((c.ts[i]! - from) / width);
    const acc = bucketAt(c, i);
    if (acc.sketch) acc.sketch = new Map(acc.sketch);
    let j = i + 1;
    for (; j < c.n && Math.floor((c.ts[j]! - from) / width) === index; j++) mergeColumnInto(acc, c, j);
    const bucket: OutBucket = {
      value: acc.mean,
      timestamp: iso(from + index * width),
      min: acc.min,
      max: acc.max,
      count: acc.count,
    };
    if (kind === "counter")
      bucket.increase = acc.inc + (prevLast === undefined ? 0 : counterStep(prevLast, acc.first));
    if (kind === "histogram" && acc.sketch) {
      bucket.p50 = sketchQuantile(acc.sketch, 0.5);
      bucket.p95 = sketchQuantile(acc.sketch, 0.95);
      bucket.p99 = sketchQuantile(acc.sketch, 0.99);
    }
    out.push(bucket);
    prevLast = acc.last;
    i = j;
  }
  return out;
}

/**
 * At most `points` buckets over [from, to] (bounds default to the data's own). Up to RAW_BUDGET
 * raw points are bucketed exactly (equal widths, as asked); beyond, the coarsest rollup tier whose
 * resolution fits the bucket width answers, with the width rounded up to whole tier buckets, so a
 * year costs about what a day does. Ranges with no more points than buckets come back raw.
 */
export async function downsample(
  db: Db,
  seriesId: number,
  kind: SeriesKind,
  range: Range,
  points: number,
  retention: Retention,
  now = Date.now(),
): Promise<OutBucket[]> {
  const b = await bounds(db, seriesId, range);
  let from = range.from ?? b.first;
  let to = range.to ?? b.last;
  if (from === undefined || to === undefined) {
    // No raw chunks left (past raw retention): the rollups still know the range.
    const hours = await readBuckets(db, seriesId, 2, range);
    if (hours.n === 0) return [];
    from ??= hours.ts[0]!;
    to ??= hours.lastTs[hours.n - 1]!;
  }
  const width = (to - from) / points;
  // Raw points answer unless retention has already taken the start of the range from them.
  const rawGone = b.first === undefined || (from < now - retention[0] && b.first > from + TIER_RES_MS[1]);
  if (!rawGone && (b.n <= RAW_BUDGET || width < TIER_RES_MS[1])) {
    return fromRaw(await readRaw(db, seriesId, { from, to }), from, to, points, kind);
  }
  const tier: 1 | 2 = width >= TIER_RES_MS[2] || from < now - retention[1] ? 2 : 1;
  const res = TIER_RES_MS[tier];
  const alignedFrom = Math.floor(from / res) * res;
  const tierWidth = Math.max(res, Math.ceil(width / res) * res);
  const parts = await readBuckets(db, seriesId, tier, { from: alignedFrom, to });
  return fromBuckets(parts, alignedFrom, tierWidth, kind);
}

// ---- export ----------------------------------------------------------------------------------

/** Time windows of about `pointsPerWindow` raw points each, covering the series in range. */
export async function exportWindows(
  db: Db,
  seriesId: number,
  range: Range,
  pointsPerWindow: number,
): Promise<Array<[number, number]>> {
  let q = db
    .selectFrom("chunks")
    .select(["start_ts", "end_ts", "count"])
    .where("series_id", "=", seriesId)
    .where("tier", "=", 0);
  if (range.from !== undefined) q = q.where("end_ts", ">=", range.from);
  if (range.to !== undefined) q = q.where("start_ts", "<=", range.to);
  const meta = await q.orderBy("start_ts").execute();
  if (meta.length === 0) return [];
  const from = Math.max(range.from ?? Number.NEGATIVE_INFINITY, Number(meta[0]!.start_ts));
  const end = Math.min(
    range.to ?? Number.POSITIVE_INFINITY,
    meta.reduce((hi, m) => Math.max(hi, Number(m.end_ts)), Number.NEGATIVE_INFINITY),
  );
  const windows: Array<[number, number]> = [];
  let start = from;
  let acc = 0;
  for (const m of meta) {
    if (acc >= pointsPerWindow && m.start_ts > start) {
      windows.push([start, Number(m.start_ts) - 1]);
      start = Number(m.start_ts);
      acc = 0;
    }
    acc += m.count;
  }
  windows.push([start, end]);
  return windows;
}
