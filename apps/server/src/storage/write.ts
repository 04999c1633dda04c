// Owns the write path of point storage, run inside the ingest transaction: stream offsets for each
// dashboard touched (one upsert per dashboard: in PostgreSQL its row lock orders concurrent
// commits, so offsets become visible in offset order on every node), then per series one raw
// chunk per run of points and one partial bucket chunk per rollup tier. Nothing is read back: the
// write costs what the batch holds, whatever the history holds. Compaction merges the small
// chunks later (compact.ts). The plan (offsets given, chunk rows made from a batch's columns) is
// shared by both committers: SQLite's writer thread (writer-worker.ts, prepared statements) and
// the in-process PostgreSQL path (`writePoints`, Kysely).
import { randomBytes } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { Database, NewChunk } from "../db/schema.ts";
import { encodeBuckets, encodeRaw, sliceRun } from "./codec.ts";
import { type Bucket, KIND_CODES, ROLLUP_TIERS, rollUp, type SeriesKind, TIER_RES_MS } from "./rollup.ts";

/**
 * Points per sealed raw chunk; smaller runs stay unsealed until compaction merges them. 8,192
 * rather than 4,096: half the rows, and half the space SQLite leaves unused at the end of each
 * BLOB's last overflow page (a full-precision series: 6.73 → 6.56 bytes a point, measured).
 */
export const RAW_TARGET = 8192;
/** Buckets per sealed rollup chunk: a day of minutes, a month of hours. */
export const BUCKET_TARGET: Record<1 | 2, number> = { 1: 1440, 2: 720 };
/**
 * No chunk spans two of these windows (UTC days for raw points and minutes, 30-day windows for
 * hours), so retention, which deletes whole chunks, never keeps old points alive in a chunk that
 * also holds new ones.
 */
export const CHUNK_SPAN_MS: Record<0 | 1 | 2, number> = { 0: 86_400_000, 1: 86_400_000, 2: 30 * 86_400_000 };

/** [start, end) index ranges of a time-sorted column: at most `max` long, one span window each. */
export function pieces(ts: ArrayLike<number>, n: number, max: number, span: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  while (start < n) {
    const window = Math.floor(ts[start]! / span);
    let end = start + 1;
    while (end < n && end - start < max && Math.floor(ts[end]! / span) === window) end++;
    out.push([start, end]);
    start = end;
  }
  return out;
}

/**
 * A batch to store as parallel columns (one entry per point, in batch order): cheap to build on
 * the event loop, and copied to the writer thread in one block per column.
 */
export type PointColumns = {
  n: number;
  dashboards: Float64Array;
  series: Float64Array;
  /** The point's series kind, as its index in KIND_CODES (counters keep an increase, histograms a sketch). */
  kind: Uint8Array;
  values: Float64Array;
  ts: Float64Array;
};

export function newEpoch(): string {
  return randomBytes(8).toString("hex");
}

export function blob(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Reserves `n` offsets at the end of a dashboard's stream; the last one reserved is returned. */
async function reserve(trx: Transaction<Database>, dashboardId: number, n: number): Promise<number> {
  const row = await trx
    .insertInto("streams")
    .values({ dashboard_id: dashboardId, epoch: newEpoch(), head: n })
    .onConflict((oc) => oc.column("dashboard_id").doUpdateSet({ head: sql`streams.head + ${n}` }))
    .returning("head")
    .executeTakeFirstOrThrow();
  return Number(row.head);
}

type Run = { ts: Float64Array; values: Float64Array; offsets: Float64Array; n: number };

/** Sorted by (timestamp, offset): the order every reader of a chunk relies on. */
export function sortedRun(ts: number[], values: number[], offsets: number[]): Run {
  const n = ts.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => ts[a]! - ts[b]! || offsets[a]! - offsets[b]!);
  const run = { n, ts: new Float64Array(n), values: new Float64Array(n), offsets: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    run.ts[i] = ts[j]!;
    run.values[i] = values[j]!;
    run.offsets[i] = offsets[j]!;
  }
  return run;
}

/** Chunk rows (raw, split at RAW_TARGET, plus one partial bucket chunk per tier) for one run. */
export function chunkRows(seriesId: number, run: Run, kind: SeriesKind): NewChunk[] {
  const rows: NewChunk[] = [];
  rows.push(...rawChunkRows(seriesId, run));
  for (const tier of ROLLUP_TIERS) {
    const buckets = rollUp(run.ts.subarray(0, run.n), run.values.subarray(0, run.n), TIER_RES_MS[tier], kind);
    rows.push(...bucketChunkRows(seriesId, tier, buckets, false));
  }
  return rows;
}

/**
 * Raw chunk rows of a time-sorted run: RAW_TARGET points at most, one span window each. `compacted`:
 * compaction's output, always deflated; the write path deflates only the chunks it seals.
 */
export function rawChunkRows(seriesId: number, run: Run, compacted = false): NewChunk[] {
  return pieces(run.ts, run.n, RAW_TARGET, CHUNK_SPAN_MS[0]).map(([start, end]) =>
    rawChunkRow(seriesId, sliceRun(run, start, end), compacted),
  );
}

/** One raw chunk row; sealed once it holds RAW_TARGET points. */
function rawChunkRow(seriesId: number, part: Run, compacted: boolean): NewChunk {
  const sealed = part.n >= RAW_TARGET;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let i = 0; i < part.n; i++) {
    const o = part.offsets[i]!;
    if (o < lo) lo = o;
    if (o > hi) hi = o;
  }
  return {
    series_id: seriesId,
    tier: 0,
    start_ts: part.ts[0]!,
    end_ts: part.ts[part.n - 1]!,
    count: part.n,
    first_offset: lo,
    last_offset: hi,
    sealed: sealed ? 1 : 0,
    data: blob(encodeRaw(part, sealed || compacted)),
  };
}

/**
 * Bucket chunk rows of one tier, one per span window; `seal` marks full ones sealed and deflates
 * (compaction's output), the write path's partial buckets always stay unsealed, as they are.
 */
export function bucketChunkRows(seriesId: number, tier: 1 | 2, buckets: Bucket[], seal: boolean): NewChunk[] {
  const ts = buckets.map((b) => b.ts);
  return pieces(ts, buckets.length, BUCKET_TARGET[tier], CHUNK_SPAN_MS[tier]).map(([start, end]) => {
    const piece = buckets.slice(start, end);
    return {
      series_id: seriesId,
      tier,
      start_ts: piece[0]!.ts,
      end_ts: piece[piece.length - 1]!.ts,
      count: piece.length,
      first_offset: 0,
      last_offset: 0,
      sealed: seal && piece.length >= BUCKET_TARGET[tier] ? 1 : 0,
      data: blob(encodeBuckets(piece, seal)),
    };
  });
}

/** Points per dashboard, dashboards in id order (the order their stream rows are locked in). */
export function pointsPerDashboard(cols: PointColumns): Array<[number, number]> {
  const per = new Map<number, number>();
  for (let i = 0; i < cols.n; i++) {
    const d = cols.dashboards[i]!;
    per.set(d, (per.get(d) ?? 0) + 1);
  }
  // Dashboards in id order: two transactions touching the same two never wait on each other crosswise.
  return [...per].sort((a, b) => a[0] - b[0]);
}

/**
 * Each point's stream offset (input order within a dashboard, from `first`, the first offset
 * reserved for each dashboard) and the chunk rows of the batch: per series one sorted run, split
 * into raw chunks, plus one partial bucket chunk per rollup tier. Grouped by series with typed
 * arrays, no object per point.
 */
export function planWrite(
  cols: PointColumns,
  first: Map<number, number>,
): { offsets: Float64Array; rows: NewChunk[] } {
  const n = cols.n;
  const offsets = new Float64Array(n);
  const next = new Map(first);
  // Points of one series, as a linked list through `link` (head and tail per series): two passes
  // over the batch, whatever the number of series.
  const head = new Map<number, { first: number; last: number; count: number; kind: SeriesKind }>();
  const link = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const d = cols.dashboards[i]!;
    const o = next.get(d)!;
    next.set(d, o + 1);
    offsets[i] = o;
    const s = cols.series[i]!;
    const h = head.get(s);
    if (!h) head.set(s, { first: i, last: i, count: 1, kind: KIND_CODES[cols.kind[i]!] ?? "gauge" });
    else {
      link[h.last] = i;
      h.last = i;
      h.count++;
    }
  }
  const rows: NewChunk[] = [];
  for (const [seriesId, h] of head) {
    const run = {
      n: h.count,
      ts: new Float64Array(h.count),
      values: new Float64Array(h.count),
      offsets: new Float64Array(h.count),
    };
    let sorted = true;
    for (let i = h.first, k = 0; i !== -1; i = link[i]!, k++) {
      run.ts[k] = cols.ts[i]!;
      run.values[k] = cols.values[i]!;
      run.offsets[k] = offsets[i]!;
      // Offsets rise within a series, so (ts, offset) order is ts order with ties kept.
      if (k > 0 && run.ts[k]! < run.ts[k - 1]!) sorted = false;
    }
    for (const row of chunkRows(seriesId, sorted ? run : sortRun(run), h.kind)) rows.push(row);
  }
  return { offsets, rows };
}

function sortRun(run: Run): Run {
  return sortedRun(Array.from(run.ts), Array.from(run.values), Array.from(run.offsets));
}

/**
 * Stores the points (inside the caller's transaction) and returns each point's stream offset, in
 * input order. Offsets of one dashboard follow input order, so a batch replays as it was sent.
 * The in-process path (PostgreSQL, whose driver is asynchronous); SQLite commits in the writer
 * thread (writer-worker.ts) with the same plan.
 */
export async function writePoints(trx: Transaction<Database>, cols: PointColumns): Promise<Float64Array> {
  const first = new Map<number, number>();
  for (const [dashboardId, n] of pointsPerDashboard(cols)) {
    const head = await reserve(trx, dashboardId, n);
    first.set(dashboardId, head - n + 1);
  }
  const { offsets, rows } = planWrite(cols, first);
  for (let i = 0; i < rows.length; i += 200)
    await trx
      .insertInto("chunks")
      .values(rows.slice(i, i + 200))
      .execute();
  return offsets;
}
