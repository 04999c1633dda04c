// Builds Prometheus remote_write 1.0 request bodies (protobuf WriteRequest, snappy block format)
// byte by byte, for specs that need malformed or exact input (a stale-marker NaN is one precise
// bit pattern) and for the ingest benchmark. A real Prometheus is the sender in the main spec.
import snappy from "snappyjs";

export type WriteSeries = {
  labels: Record<string, string>;
  /** [value, timestamp ms]; value "stale" writes Prometheus's stale-marker NaN. */
  samples: Array<[number | "stale", number]>;
};

const STALE_NAN = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const bytes: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    bytes.push(b);
  } while (v > 0n);
  return Buffer.from(bytes);
}

function field(no: number, wire: number, payload: Buffer): Buffer {
  const tag = varint((no << 3) | wire);
  return wire === 2 ? Buffer.concat([tag, varint(payload.length), payload]) : Buffer.concat([tag, payload]);
}

function double(value: number | "stale"): Buffer {
  if (value === "stale") return STALE_NAN;
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return b;
}

/** The uncompressed protobuf of a WriteRequest. */
export function writeRequestProtobuf(series: WriteSeries[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of series) {
    const ts: Buffer[] = [];
    for (const [name, value] of Object.entries(s.labels))
      ts.push(field(1, 2, Buffer.concat([field(1, 2, Buffer.from(name)), field(2, 2, Buffer.from(value))])));
    for (const [value, timestamp] of s.samples)
      ts.push(field(2, 2, Buffer.concat([field(1, 1, double(value)), field(2, 0, varint(timestamp))])));
    parts.push(field(1, 2, Buffer.concat(ts)));
  }
  return Buffer.concat(parts);
}

/** A complete remote_write body: the WriteRequest, snappy-compressed. */
export function remoteWriteBody(series: WriteSeries[]): Buffer {
  return snappyBlock(writeRequestProtobuf(series));
}

export function snappyBlock(raw: Uint8Array): Buffer {
  return Buffer.from(snappy.compress(raw));
}

/** Headers a remote_write 1.0 sender sends. */
export const REMOTE_WRITE_HEADERS = {
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
} as const;
