// Owns decoding OTLP/HTTP metrics (`ExportMetricsServiceRequest`, protobuf or JSON) into samples,
// mapped as Prometheus does for OTLP: names with `.`/`-` become `_`; `service.name` becomes the
// `job` label and `service.instance.id` the `instance` label (other resource attributes are
// dropped, so SDK details do not multiply series); data point attributes become labels.
//   gauge → gauge; monotonic sum → counter, other sums → gauge;
//   histogram → `_bucket{le}` (cumulative), `_sum`, `_count` counters;
//   exponential histogram → `_sum`, `_count`; summary → `{quantile}` gauges, `_sum`, `_count`.
// A point flagged "no recorded value" ends its series, like a Prometheus stale marker.
//
// The schema below is the subset of opentelemetry-proto v1 we read (field numbers as upstream);
// protobufjs skips everything else. JSON goes through the same type (`fromObject`), so both
// encodings land in one plain-object shape before mapping.
import protobuf from "protobufjs";
import { BadRequestError, TooLargeError } from "../../http/errors.ts";
import { parseRequestJson } from "../../http/json-body.ts";
import type { Labels, Sample } from "./samples.ts";

const SCHEMA = `
syntax = "proto3";
package otlp;
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeMetrics { repeated Metric metrics = 2; }
message Metric {
  string name = 1; string description = 2; string unit = 3;
  oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10; Summary summary = 11; }
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; }
message Summary { repeated SummaryDataPoint data_points = 1; }
message NumberDataPoint {
  repeated KeyValue attributes = 7; fixed64 time_unix_nano = 3;
  oneof value { double as_double = 4; sfixed64 as_int = 6; }
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9; fixed64 time_unix_nano = 3; fixed64 count = 4;
  optional double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7;
  uint32 flags = 10;
}
message ExponentialHistogramDataPoint {
  repeated KeyValue attributes = 1; fixed64 time_unix_nano = 3; fixed64 count = 4;
  optional double sum = 5; uint32 flags = 10;
}
message SummaryDataPoint {
  repeated KeyValue attributes = 7; fixed64 time_unix_nano = 3; fixed64 count = 4; double sum = 5;
  repeated ValueAtQuantile quantile_values = 6; uint32 flags = 8;
}
message ValueAtQuantile { double quantile = 1; double value = 2; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

/** The request type (decoding here; the ingest benchmark encodes its payloads with it). */
export const OTLP_REQUEST = protobuf.parse(SCHEMA).root.lookupType("otlp.ExportMetricsServiceRequest");
const Request = OTLP_REQUEST;
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: false,
  bytes: String,
};

type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
};
type KeyValue = { key?: string; value?: AnyValue };
type Point = {
  attributes?: KeyValue[];
  timeUnixNano?: number;
  flags?: number;
  asDouble?: number;
  asInt?: number;
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  quantileValues?: Array<{ quantile?: number; value?: number }>;
};
type OtlpMetric = {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: Point[] };
  sum?: { dataPoints?: Point[]; isMonotonic?: boolean };
  histogram?: { dataPoints?: Point[] };
  exponentialHistogram?: { dataPoints?: Point[] };
  summary?: { dataPoints?: Point[] };
};
type PlainRequest = {
  resourceMetrics?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: Array<{ metrics?: OtlpMetric[] }>;
  }>;
};

export function decodeOtlpProtobuf(buf: Uint8Array): PlainRequest {
  try {
    return Request.toObject(Request.decode(buf), TO_OBJECT) as PlainRequest;
  } catch (error) {
    throw new BadRequestError(
      `Body is not a valid OTLP ExportMetricsServiceRequest: ${(error as Error).message}`,
    );
  }
}

export function decodeOtlpJson(text: string): PlainRequest {
  const json = parseRequestJson(text, "Malformed request body");
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new BadRequestError("Body must be a JSON ExportMetricsServiceRequest object");
  try {
    return Request.toObject(Request.fromObject(json), TO_OBJECT) as PlainRequest;
  } catch (error) {
    throw new BadRequestError(
      `Body is not a valid OTLP/JSON ExportMetricsServiceRequest: ${(error as Error).message}`,
    );
  }
}

function metricName(name: string): string {
  const replaced = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

function labelName(name: string): string {
  const replaced = name.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(replaced) ? `key_${replaced}` : replaced;
}

function anyValueText(v: AnyValue | undefined): string {
  if (!v) return "";
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(anyValueText));
  if (v.kvlistValue)
    return JSON.stringify(
      Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, anyValueText(kv.value)])),
    );
  return "";
}

/** UCUM units the UI knows under a shorter name; annotations (`{requests}`) and `1` mean none. */
function unitOf(unit: string | undefined): string {
  if (!unit || unit === "1" || /^\{.*\}$/.test(unit)) return "";
  if (unit === "By") return "B";
  return unit.slice(0, 50);
}

const NO_RECORDED_VALUE = 1;

export function otlpToSamples(request: PlainRequest, maxSamples: number, now = Date.now()): Sample[] {
  const out: Sample[] = [];
  const push = (s: Sample) => {
    if (out.length >= maxSamples) throw new TooLargeError(`More than ${maxSamples} samples in one request`);
    out.push(s);
  };
  for (const rm of request.resourceMetrics ?? []) {
    const base: Labels = {};
    for (const kv of rm.resource?.attributes ?? []) {
      if (kv.key === "service.name") base.job = anyValueText(kv.value);
      else if (kv.key === "service.instance.id") base.instance = anyValueText(kv.value);
    }
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const name = metricName(m.name ?? "");
        const meta = { description: m.description ?? "", unit: unitOf(m.unit) };
        const emit = (p: Point, suffix: string, value: number, type: Sample["type"], extra?: Labels) => {
          const labels: Labels = { ...base };
          for (const kv of p.attributes ?? []) labels[labelName(kv.key ?? "")] = anyValueText(kv.value);
          if (extra) Object.assign(labels, extra);
          const sample: Sample = {
            name: name + suffix,
            labels,
            value,
            timestamp: p.timeUnixNano ? Math.floor(p.timeUnixNano / 1e6) : now,
            ...(type ? { type } : {}),
            ...meta,
          };
          if (((p.flags ?? 0) & NO_RECORDED_VALUE) !== 0) sample.stale = true;
          push(sample);
        };
        if (m.gauge)
          for (const p of m.gauge.dataPoints ?? []) emit(p, "", p.asDouble ?? p.asInt ?? 0, "gauge");
        else if (m.sum) {
          const type = m.sum.isMonotonic ? "counter" : "gauge";
          for (const p of m.sum.dataPoints ?? []) emit(p, "", p.asDouble ?? p.asInt ?? 0, type);
        } else if (m.histogram) {
          for (const p of m.histogram.dataPoints ?? []) {
            const bounds = p.explicitBounds ?? [];
            const counts = p.bucketCounts ?? [];
            let cumulative = 0;
            for (let i = 0; i < bounds.length; i++) {
              cumulative += counts[i] ?? 0;
              emit(p, "_bucket", cumulative, "counter", { le: String(bounds[i]) });
            }
            emit(p, "_bucket", p.count ?? 0, "counter", { le: "+Inf" });
            if (p.sum !== undefined) emit(p, "_sum", p.sum, "counter");
            emit(p, "_count", p.count ?? 0, "counter");
          }
        } else if (m.exponentialHistogram) {
          for (const p of m.exponentialHistogram.dataPoints ?? []) {
            if (p.sum !== undefined) emit(p, "_sum", p.sum, "counter");
            emit(p, "_count", p.count ?? 0, "counter");
          }
        } else if (m.summary) {
          for (const p of m.summary.dataPoints ?? []) {
            for (const q of p.quantileValues ?? [])
              emit(p, "", q.value ?? 0, "gauge", { quantile: String(q.quantile ?? 0) });
            emit(p, "_sum", p.sum ?? 0, "counter");
            emit(p, "_count", p.count ?? 0, "counter");
          }
        }
      }
    }
  }
  return out;
}

/** The (empty) ExportMetricsServiceResponse in the request's encoding. */
export const EMPTY_PROTOBUF_RESPONSE = new Uint8Array(0);
