// Owns the chunk format: one BLOB holds a run of one series' points (tier 0) or buckets (tiers 1
// and 2), column by column, then raw-deflated when that is smaller. Columns: timestamps as
// delta-of-delta, stream offsets as deltas, values as decimal or plane-shuffled XOR (bytes.ts).
// Layout: [flags][payload]; flags bit 0 = deflated, bit 1 = bucket chunk; payload starts with the
// row count. Chunks are immutable: compaction writes a new chunk and deletes the ones it merged.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  ByteReader,
  ByteWriter,
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
 * BLOB; small ones come from Node's pool, not one allocation each).
 */
function seal(payload: Uint8Array, flags: number): Uint8Array {
  if (payload.length >= DEFLATE_FROM) {
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

export function encodeRaw(run: RawRun): Uint8Array {
  const w = scratch;
  w.length = 0;
  w.uvarint(run.n);
  writeDod(w, run.ts.subarray(0, run.n));
  writeDelta(w, run.offsets.subarray(0, run.n));
  writeValues(w, run.values.subarray(0, run.n));
  return seal(w.done(), 0);
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

export function encodeBuckets(buckets: Bucket[]): Uint8Array {
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
  writeValues(
    w,
    col((b) => b.mean),
  );
  writeValues(
    w,
    col((b) => b.min),
  );
  writeValues(
    w,
    col((b) => b.max),
  );
  writeValues(
    w,
    col((b) => b.first),
  );
  writeValues(
    w,
    col((b) => b.last),
  );
  writeValues(
    w,
    col((b) => b.inc),
  );
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
  return seal(w.done(), BUCKETS);
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
  for (const f of ["mean", "min", "max", "first", "last", "inc"] as const) readValues(r, n, c[f]);
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
