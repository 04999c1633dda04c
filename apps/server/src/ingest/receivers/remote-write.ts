// Owns decoding a Prometheus remote_write 1.0 request: a snappy-compressed (block format)
// protobuf `prometheus.WriteRequest` into samples.
//
// The protobuf is read field by field with protobufjs's wire Reader rather than a generated
// message type: a stale marker is one exact NaN bit pattern (0x7ff0000000000002), which only the
// raw 8 bytes tell apart from an ordinary NaN, and it avoids an object per sample on the hot path.
// Series metadata (type, help, unit, sent by Prometheus in separate requests) is remembered per
// metric family so that series created later get the right type and description.
import protobuf from "protobufjs";
import snappy from "snappyjs";
import { BadRequestError, TooLargeError } from "../../http/errors.ts";
import type { Labels, Sample } from "./samples.ts";

const { Reader } = protobuf;

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

/** MetricMetadata.MetricType → our type (histogram / summary series are counters and gauges). */
const METADATA_TYPES: Record<number, Sample["type"]> = { 1: "counter", 2: "gauge" };

export type FamilyMetadata = { type?: Sample["type"]; help?: string; unit?: string };

/** The Prometheus stale-marker NaN, little-endian, as it appears on the wire. */
function isStaleNaN(buf: Uint8Array, at: number): boolean {
  return (
    buf[at] === 0x02 &&
    buf[at + 1] === 0 &&
    buf[at + 2] === 0 &&
    buf[at + 3] === 0 &&
    buf[at + 4] === 0 &&
    buf[at + 5] === 0 &&
    buf[at + 6] === 0xf0 &&
    buf[at + 7] === 0x7f
  );
}

/** Decompresses a snappy block, refusing output larger than `maxBytes`. */
export function unsnappy(body: Buffer, maxBytes: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = snappy.uncompress(body, maxBytes);
  } catch (error) {
    const message = (error as Error).message;
    if (/too big/.test(message))
      throw new TooLargeError(`Decompressed body is larger than ${maxBytes} bytes`);
    throw new BadRequestError(`Body is not valid snappy (block format): ${message}`);
  }
  return out;
}

type Decoded = { samples: Sample[]; metadata: Array<[string, FamilyMetadata]>; histograms: number };

function readLabel(r: protobuf.Reader, end: number): [string, string] {
  let name = "";
  let value = "";
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | LEN)) name = r.string();
    else if (tag === ((2 << 3) | LEN)) value = r.string();
    else r.skipType(tag & 7);
  }
  return [name, value];
}

function readTimeSeries(r: protobuf.Reader, end: number, out: Decoded, maxSamples: number): void {
  let name = "";
  const labels: Labels = {};
  const points: Array<{ value: number; timestamp: number; stale: boolean }> = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === LEN) {
      const [k, v] = readLabel(r, r.uint32() + r.pos);
      if (k === "__name__") name = v;
      else labels[k] = v;
    } else if (field === 2 && (tag & 7) === LEN) {
      const sampleEnd = r.uint32() + r.pos;
      let value = 0;
      let timestamp = 0;
      let stale = false;
      while (r.pos < sampleEnd) {
        const t = r.uint32();
        if (t === ((1 << 3) | FIXED64)) {
          stale = isStaleNaN(r.buf, r.pos);
          value = r.double();
        } else if (t === ((2 << 3) | VARINT)) timestamp = toNumber(r.int64());
        else r.skipType(t & 7);
      }
      points.push({ value, timestamp, stale });
    } else if (field === 4 && (tag & 7) === LEN) {
      // Native histograms have no representation here yet: counted, not stored.
      out.histograms++;
      r.skipType(LEN);
    } else r.skipType(tag & 7);
  }
  if (out.samples.length + points.length > maxSamples)
    throw new TooLargeError(`More than ${maxSamples} samples in one request`);
  if (points.length > 0 && name === "") throw new BadRequestError("A time series has no __name__ label");
  for (const p of points) {
    const sample: Sample = { name, labels, value: p.value, timestamp: p.timestamp };
    if (p.stale) sample.stale = true;
    out.samples.push(sample);
  }
}

function readMetadata(r: protobuf.Reader, end: number): [string, FamilyMetadata] {
  let family = "";
  const meta: FamilyMetadata = {};
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | VARINT)) {
      const type = METADATA_TYPES[r.uint32()];
      if (type) meta.type = type;
    } else if (tag === ((2 << 3) | LEN)) family = r.string();
    else if (tag === ((4 << 3) | LEN)) meta.help = r.string();
    else if (tag === ((5 << 3) | LEN)) meta.unit = r.string();
    else r.skipType(tag & 7);
  }
  return [family, meta];
}

/** Decodes an uncompressed WriteRequest; any malformation is a 400 naming the problem. */
export function decodeWriteRequest(buf: Uint8Array, maxSamples: number): Decoded {
  const out: Decoded = { samples: [], metadata: [], histograms: 0 };
  const r = Reader.create(buf);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === LEN) readTimeSeries(r, r.uint32() + r.pos, out, maxSamples);
      else if (field === 3 && (tag & 7) === LEN) out.metadata.push(readMetadata(r, r.uint32() + r.pos));
      else if (field === 0) throw new Error("field number 0");
      else r.skipType(tag & 7);
    }
    // A length that pointed past a nested message's end leaves the reader beyond the buffer.
    if (r.pos !== r.len) throw new Error("a length runs past the end of the message");
  } catch (error) {
    if (error instanceof TooLargeError || error instanceof BadRequestError) throw error;
    throw new BadRequestError(`Body is not a valid remote_write WriteRequest: ${(error as Error).message}`);
  }
  return out;
}

/** Remembers family metadata (bounded) and applies it to samples of known families. */
export class MetadataCache {
  readonly #families = new Map<string, FamilyMetadata>();
  constructor(private readonly max = 10_000) {}

  remember(entries: Array<[string, FamilyMetadata]>): void {
    for (const [family, meta] of entries) {
      if (family === "") continue;
      if (!this.#families.has(family) && this.#families.size >= this.max) continue;
      this.#families.set(family, meta);
    }
  }

  apply(samples: Sample[]): void {
    if (this.#families.size === 0) return;
    for (const s of samples) {
      const exact = this.#families.get(s.name);
      // A histogram's or summary's parts (`_bucket`, `_sum`, `_count`) are cumulative counts:
      // they take the family's help, not its type (samples.ts infers counter from the suffix).
      const meta = exact ?? this.#families.get(s.name.replace(/_(total|bucket|sum|count)$/, ""));
      if (!meta) continue;
      if (meta.type && (exact || meta.type === "counter")) s.type = meta.type;
      if (meta.help) s.description = meta.help;
      if (meta.unit) s.unit = meta.unit;
    }
  }
}

function toNumber(value: unknown): number {
  return typeof value === "number" ? value : (value as { toNumber(): number }).toNumber();
}
