// Owns the chunk format: one BLOB holds a run of one series' points (tier 0) or buckets (tiers 1
// and 2), column by column, then raw-deflated when that is smaller. Columns: timestamps as
// delta-of-delta, stream offsets as deltas, values as decimal or plane-shuffled XOR (bytes.ts).
// Layout: [flags][payload]; flags bit 0 = deflated, bit 1 = bucket chunk, bit 2 = bucket values
// by prediction (writeBucketValues; without it the first format's six columns); payload starts
// with the row count. Chunks are immutable: compaction writes a new chunk and deletes the ones it merged.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  ByteReader,
  ByteWriter,
  decimalScale,
  MAX_DECIMAL_SCALE,
  readDelta,
  readDod,
  readValues,
  writeDelta,
  writeDod,
  writeValues,
} from "./bytes.ts";
import { type Bucket, type BucketColumns, emptyColumns, toBuckets } from "./rollup.ts";

const DEFLATED = 1;
const BUCKETS = 2;
/** Bucket values stored by what they predict of each other (writeBucketValues). */
const BUCKET_V2 = 4;
/** BUCKET_V2's value mode for floats; modes 0…12 are the decimal scale. */
const FLOAT_BUCKETS = 255;
/** Below this many payload bytes deflate is not worth its header and its time. */
const DEFLATE_FROM = 96;

/** A decoded raw chunk: parallel columns, sorted by (ts, offset). */
export type RawRun = { n: number; ts: Float64Array; values: Float64Array; offsets: Float64Array };

/** Points [start, end) of a run, sharing its memory. */
export function sliceRun(run: RawRun, start: number, end: number): RawRun {
  return {
    n: Math.max(0, end - start),
    ts: run.ts.subarray(start, end),
    values: run.values.subarray(start, end),
    offsets: run.offsets.subarray(start, end),
  };
}

/**
 * The chunk's bytes, in a Buffer of their own (what the SQLite and PostgreSQL drivers bind as a
 * BLOB; small ones come from Node's pool, not one allocation each). `deflate` false: stored as they
 * are (the write path's small chunks, merged and deflated by compaction minutes later: a deflate
 * call costs 15–30 µs whatever its size, a fifth of the writer thread's time on collector data).
 */
function seal(payload: Uint8Array, flags: number, deflate: boolean): Uint8Array {
  if (deflate && payload.length >= DEFLATE_FROM) {
    const packed = deflateRawSync(payload, { level: 6 });
    if (packed.length < payload.length) {
      const out = Buffer.allocUnsafe(packed.length + 1);
      out[0] = flags | DEFLATED;
      out.set(packed, 1);
      return out;
    }
  }
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = flags;
  out.set(payload, 1);
  return out;
}

// One writer for every chunk encoded on this thread: its bytes are copied out by seal() before
// the next chunk starts, so the buffer is grown once and reused rather than allocated per chunk.
const scratch = new ByteWriter();

function open(data: Uint8Array): { flags: number; r: ByteReader } {
  if (data.length === 0) throw new RangeError("empty chunk");
  const flags = data[0]!;
  const body = data.subarray(1);
  return { flags, r: new ByteReader(flags & DEFLATED ? inflateRawSync(body) : body) };
}

export function encodeRaw(run: RawRun, deflate = true): Uint8Array {
  const w = scratch;
  w.length = 0;
  w.uvarint(run.n);
  writeDod(w, run.ts.subarray(0, run.n));
  writeDelta(w, run.offsets.subarray(0, run.n));
  writeValues(w, run.values.subarray(0, run.n));
  return seal(w.done(), 0, deflate);
}

export function decodeRaw(data: Uint8Array): RawRun {
  const { flags, r } = open(data);
  if (flags & BUCKETS) throw new RangeError("not a raw chunk");
  const n = r.uvarint();
  const run = { n, ts: new Float64Array(n), values: new Float64Array(n), offsets: new Float64Array(n) };
  readDod(r, n, run.ts);
  readDelta(r, n, run.offsets);
  readValues(r, n, run.values);
  return run;
}

export function encodeBuckets(buckets: Bucket[], deflate = true): Uint8Array {
  const n = buckets.length;
  const w = scratch;
  w.length = 0;
  w.uvarint(n);
  const col = (f: (b: Bucket) => number) => {
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) xs[i] = f(buckets[i]!);
    return xs;
  };
  writeDod(
    w,
    col((b) => b.ts),
  );
  for (const b of buckets) w.uvarint(b.count);
  for (const b of buckets) w.uvarint(b.firstTs - b.ts);
  for (const b of buckets) w.uvarint(b.lastTs - b.ts);
  const withInc = buckets.some((b) => !Number.isNaN(b.inc));
  w.byte(withInc ? 1 : 0);
  writeBucketValues(w, buckets, withInc);
  const sketches = buckets.some((b) => b.sketch);
  w.byte(sketches ? 1 : 0);
  if (sketches)
    for (const b of buckets) {
      const entries = b.sketch ? [...b.sketch].sort((x, y) => x[0] - y[0]) : [];
      w.uvarint(entries.length);
      let prev = 0;
      for (const [k, c] of entries) {
        w.svarint(k - prev);
        w.uvarint(c);
        prev = k;
      }
    }
  return seal(w.done(), BUCKETS | BUCKET_V2, deflate);
}

/**
 * A bucket's values, stored by what they predict of each other rather than as six independent
 * columns (BUCKET_V2). When first, last, min and max are all decimals of one scale (what
 * collectors send) they are integers: first as a step from the previous bucket's last, last as a
 * step from first, min and max as their distance below and above those two (0 for a counter),
 * the sum as its distance from count × (first + last) / 2 and the increase from last − first (0
 * for a counter without a reset). Otherwise the values are floats: first and last interleaved in
 * one XOR column (neighbours in time), min and max as "equals first / last" or their own value.
 */
function writeBucketValues(w: ByteWriter, buckets: Bucket[], withInc: boolean): void {
  const n = buckets.length;
  const edges = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const b = buckets[i]!;
    edges.set([b.first, b.last, b.min, b.max], 4 * i);
  }
  const k = n ? decimalScale(edges) : 0;
  if (k >= 0) {
    w.byte(k);
    const p = 10 ** k;
    const F = new Float64Array(n);
    const L = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      F[i] = Math.round(buckets[i]!.first * p);
      L[i] = Math.round(buckets[i]!.last * p);
    }
    for (let i = 0; i < n; i++) {
      w.svarint(F[i]! - (i ? L[i - 1]! : 0));
      w.svarint(L[i]! - F[i]!);
    }
    for (let i = 0; i < n; i++) w.uvarint(Math.min(F[i]!, L[i]!) - Math.round(buckets[i]!.min * p));
    for (let i = 0; i < n; i++) w.uvarint(Math.round(buckets[i]!.max * p) - Math.max(F[i]!, L[i]!));
    const sums = sumResiduals(buckets, p, F, L);
    w.byte(sums ? 1 : 0);
    if (sums) for (let i = 0; i < n; i++) w.svarint(sums[i]!);
    else
      writeValues(
        w,
        buckets.map((b) => b.mean),
      );
    if (!withInc) return;
    const incs = buckets.map((b, i) => {
      const m = Math.round(b.inc * p);
      return Math.abs(m) <= 2 ** 51 && m / p === b.inc ? m - (L[i]! - F[i]!) : Number.NaN;
    });
    const exact = incs.every((d) => Math.abs(d) <= 2 ** 52);
    w.byte(exact ? 1 : 0);
    if (exact) for (const d of incs) w.svarint(d);
    else
      writeValues(
        w,
        buckets.map((b) => b.inc),
      );
    return;
  }
  w.byte(FLOAT_BUCKETS);
  writeValues(
    w,
    buckets.map((b) => b.mean),
  );
  writeValues(
    w,
    buckets.flatMap((b) => [b.first, b.last]),
  );
  const own = (v: number, b: Bucket) => (Object.is(v, b.first) ? 0 : Object.is(v, b.last) ? 1 : 2);
  for (const b of buckets) w.byte(own(b.min, b) * 3 + own(b.max, b));
  writeValues(
    w,
    buckets.filter((b) => own(b.min, b) === 2).map((b) => b.min),
  );
  writeValues(
    w,
    buckets.filter((b) => own(b.max, b) === 2).map((b) => b.max),
  );
  if (withInc)
    writeValues(
      w,
      buckets.map((b) => b.inc),
    );
}

/**
 * Each bucket's sum as an integer at scale p, less its prediction count × (first + last) / 2, when
 * sum / count gives back the mean to within float rounding (the mean is the float result of
 * merges; a sum of decimals is exact) and every term stays an exact integer.
 */
function sumResiduals(
  buckets: Bucket[],
  p: number,
  F: Float64Array,
  L: Float64Array,
): Float64Array | undefined {
  const out = new Float64Array(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    const { mean, count } = buckets[i]!;
    const m = Math.round(mean * count * p);
    const predicted = Math.round((count * (F[i]! + L[i]!)) / 2);
    if (!(Math.abs(m) <= 2 ** 51 && Math.abs(predicted) <= 2 ** 51)) return undefined;
    if (Math.abs(m / p / count - mean) > 1e-12 * Math.abs(mean)) return undefined;
    out[i] = m - predicted;
  }
  return out;
}

function readBucketValues(r: ByteReader, c: BucketColumns, withInc: boolean): void {
  const n = c.n;
  const mode = r.byte();
  if (mode === FLOAT_BUCKETS) {
    readValues(r, n, c.mean);
    const edges = new Float64Array(2 * n);
    readValues(r, 2 * n, edges);
    const owns = r.bytes(n);
    const minOwn = owns.filter((o) => Math.floor(o / 3) === 2).length;
    const maxOwn = owns.filter((o) => o % 3 === 2).length;
    const mins = new Float64Array(minOwn);
    const maxs = new Float64Array(maxOwn);
    readValues(r, minOwn, mins);
    readValues(r, maxOwn, maxs);
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      c.first[i] = edges[2 * i]!;
      c.last[i] = edges[2 * i + 1]!;
      const pick = (o: number, own: () => number) => (o === 0 ? c.first[i]! : o === 1 ? c.last[i]! : own());
      c.min[i] = pick(Math.floor(owns[i]! / 3), () => mins[a++]!);
      c.max[i] = pick(owns[i]! % 3, () => maxs[b++]!);
    }
    if (withInc) readValues(r, n, c.inc);
    else c.inc.fill(Number.NaN);
    return;
  }
  if (mode > MAX_DECIMAL_SCALE) throw new RangeError(`unknown bucket value mode ${mode}`);
  const p = 10 ** mode;
  const F = new Float64Array(n);
  const L = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    F[i] = r.svarint() + (i ? L[i - 1]! : 0);
    L[i] = F[i]! + r.svarint();
  }
  for (let i = 0; i < n; i++) c.min[i] = (Math.min(F[i]!, L[i]!) - r.uvarint()) / p;
  for (let i = 0; i < n; i++) c.max[i] = (Math.max(F[i]!, L[i]!) + r.uvarint()) / p;
  for (let i = 0; i < n; i++) {
    c.first[i] = F[i]! / p;
    c.last[i] = L[i]! / p;
  }
  if (r.byte() === 1)
    for (let i = 0; i < n; i++) {
      const count = c.count[i]!;
      c.mean[i] = (r.svarint() + Math.round((count * (F[i]! + L[i]!)) / 2)) / p / count;
    }
  else readValues(r, n, c.mean);
  if (!withInc) c.inc.fill(Number.NaN);
  else if (r.byte() === 1) for (let i = 0; i < n; i++) c.inc[i] = (r.svarint() + (L[i]! - F[i]!)) / p;
  else readValues(r, n, c.inc);
}

export function decodeBucketColumns(data: Uint8Array): BucketColumns {
  const { flags, r } = open(data);
  if (!(flags & BUCKETS)) throw new RangeError("not a bucket chunk");
  const n = r.uvarint();
  const c = emptyColumns(n, false);
  readDod(r, n, c.ts);
  for (let i = 0; i < n; i++) c.count[i] = r.uvarint();
  for (let i = 0; i < n; i++) c.firstTs[i] = c.ts[i]! + r.uvarint();
  for (let i = 0; i < n; i++) c.lastTs[i] = c.ts[i]! + r.uvarint();
  if (flags & BUCKET_V2) readBucketValues(r, c, r.byte() === 1);
  // The first bucket format: six independent columns.
  else for (const f of ["mean", "min", "max", "first", "last", "inc"] as const) readValues(r, n, c[f]);
  if (r.byte() === 1) {
    const sketches: Array<Map<number, number> | null> = new Array(n).fill(null);
    for (let i = 0; i < n; i++) {
      const entries = r.uvarint();
      if (entries === 0) continue;
      const sketch = new Map<number, number>();
      let k = 0;
      for (let j = 0; j < entries; j++) {
        k += r.svarint();
        sketch.set(k, r.uvarint());
      }
      sketches[i] = sketch;
    }
    c.sketch = sketches;
  }
  return c;
}

export function decodeBuckets(data: Uint8Array): Bucket[] {
  return toBuckets(decodeBucketColumns(data));
}
