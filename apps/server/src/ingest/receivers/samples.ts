// Owns the one shape every receiver (remote_write, line protocol, OTLP) decodes into, and the one
// path from it to storage: validate the whole request (refused whole, with every problem listed),
// check the editor role, create the series seen for the first time (up to the dashboard's
// cardinality limit), then commit through ../ingest.ts (`storePoints`) and fan out after the answer.
// A series is the metric named by its series key `name{labels}` (@pulseboard/protocol/series), so
// it is charted, queried, exported and alerted on like any metric, and selected by label matchers.
import { MAX_FUTURE_MS } from "@pulseboard/protocol/rest";
import { seriesKey } from "@pulseboard/protocol/series";
import type { AppContext } from "../../context.ts";
import { requireRole } from "../../dashboards/access.ts";
import type { Metric, MetricType } from "../../db/schema.ts";
import { ValidationError, type ValidationIssue } from "../../http/errors.ts";
import { createSeries, existingSeries, type NewSeries } from "../../metrics/series.ts";
import { announceConfig } from "../../ws/config.ts";
import { fanOut, type StoredPoint, storePoints } from "../ingest.ts";

export type Labels = Record<string, string>; // never contains "__name__"
export type Sample = {
  name: string;
  labels: Labels;
  value: number;
  /** Epoch milliseconds. */
  timestamp: number;
  type?: "counter" | "gauge" | "histogram";
  unit?: string;
  /** Shown as the metric's description when the series is created. */
  description?: string;
  /** A staleness marker: the series ended; counted, never stored. */
  stale?: boolean;
};

export const MAX_NAME_LENGTH = 200;
export const MAX_LABEL_NAME_LENGTH = 128;
export const MAX_LABEL_VALUE_LENGTH = 512;
export const MAX_LABELS = 32;
/** At most this many problems are listed in one answer (a broken sender repeats the same one). */
const MAX_DETAILS = 20;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The receivers' names for themselves, as in `pulseboard_ingest_*{protocol}`. */
export type Protocol = "remote_write" | "influx" | "otlp" | "json";

export type StoreResult = { stored: number; stale: number; points: StoredPoint[] };

/**
 * Series keys of a request's samples. Decoders share one labels object among the samples of a
 * series (remote_write) or of a line (line protocol, one sample per field), so the labels part of
 * the key (`{a="1",b="2"}`: sorted and escaped) is rendered once per labels object and each key
 * is the name plus it: sorting and escaping labels was the hot spot of a 2,000-sample request.
 */
function seriesKeys(samples: readonly Sample[]): string[] {
  const rendered = new Map<Labels, string>();
  const keys = new Array<string>(samples.length);
  let lastLabels: Labels | undefined;
  let lastPart = "";
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as Sample;
    if (s.labels !== lastLabels) {
      let part = rendered.get(s.labels);
      if (part === undefined) {
        // The key of an empty name is exactly the labels part (`{…}`, or "" without labels).
        part = seriesKey("", s.labels);
        rendered.set(s.labels, part);
      }
      lastLabels = s.labels;
      lastPart = part;
    }
    keys[i] = s.name + lastPart;
  }
  return keys;
}

function checkLabels(s: Sample, add: (field: string, type: string, msg: string) => void): void {
  const keys = Object.keys(s.labels);
  if (keys.length > MAX_LABELS)
    add("labels", "too_many_labels", `${keys.length} labels on "${s.name}", at most ${MAX_LABELS}`);
  for (const key of keys) {
    const value = s.labels[key] as string;
    if (key.length > MAX_LABEL_NAME_LENGTH)
      add("labels", "too_long", `label name is longer than ${MAX_LABEL_NAME_LENGTH} characters`);
    else if (!LABEL_NAME.test(key) || key.startsWith("__"))
      add("labels", "invalid_label_name", `invalid label name "${key}" on "${s.name}"`);
    if (value.length > MAX_LABEL_VALUE_LENGTH)
      add(
        "labels",
        "too_long",
        `value of label "${key}" on "${s.name}" is longer than ${MAX_LABEL_VALUE_LENGTH} characters`,
      );
  }
}

/** Every problem of the request (up to MAX_DETAILS); empty when it may be stored. */
export function validateSamples(samples: readonly Sample[], now = Date.now()): ValidationIssue[] {
  const details: ValidationIssue[] = [];
  const add = (index: number, field: string, type: string, msg: string) => {
    if (details.length < MAX_DETAILS) details.push({ type, loc: ["samples", index, field], msg });
  };
  // Labels objects shared by many samples (one series) are checked once.
  const checked = new Set<Labels>();
  let lastName = "";
  for (let i = 0; i < samples.length && details.length < MAX_DETAILS; i++) {
    const s = samples[i] as Sample;
    if (s.name !== lastName) {
      if (s.name.length > MAX_NAME_LENGTH)
        add(i, "name", "too_long", `metric name is longer than ${MAX_NAME_LENGTH} characters`);
      else if (!NAME.test(s.name)) add(i, "name", "invalid_name", `invalid metric name "${s.name}"`);
      else lastName = s.name;
    }
    if (!checked.has(s.labels)) {
      checked.add(s.labels);
      checkLabels(s, (field, type, msg) => add(i, field, type, msg));
    }
    if (s.stale) continue;
    if (!Number.isFinite(s.value))
      add(i, "value", "not_finite", `value of "${s.name}" is ${s.value}; only finite numbers are stored`);
    if (!Number.isFinite(s.timestamp) || s.timestamp < 0)
      add(i, "timestamp", "out_of_range", `timestamp of "${s.name}" is before 1970-01-01`);
    else if (s.timestamp > now + MAX_FUTURE_MS)
      add(
        i,
        "timestamp",
        "out_of_range",
        `timestamp of "${s.name}" is more than ${MAX_FUTURE_MS / 60_000} minutes ahead of the server's clock`,
      );
  }
  return details;
}

function metricTypeOf(s: Sample): MetricType {
  if (s.type) return s.type;
  // Without metadata, Prometheus naming conventions tell a counter from a gauge.
  return /(_total|_count|_sum|_bucket)$/.test(s.name) ? "counter" : "gauge";
}

/**
 * Validates, authorizes, creates missing series and commits the samples in one transaction.
 * Resolves once they are durably stored (the sender's acknowledgement may go out then); the
 * fan-out to dashboards starts then too and is not waited for: a channel layer that is down
 * costs live updates, never the stored data. Stale markers are counted and skipped.
 */
export async function storeSamples(
  ctx: AppContext,
  userId: number,
  dashboardId: number,
  samples: Sample[],
): Promise<StoreResult> {
  const details = validateSamples(samples);
  if (details.length > 0) throw new ValidationError(details, "Invalid samples; nothing was stored");
  await requireRole(ctx.db, userId, dashboardId, "editor");

  let stale = 0;
  const keys = seriesKeys(samples);
  const names = new Set<string>();
  for (let i = 0; i < samples.length; i++) {
    if (samples[i]!.stale) stale++;
    else names.add(keys[i]!);
  }
  const found = await existingSeries(ctx.db, dashboardId, [...names]);
  const missing = new Map<string, NewSeries>();
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    const key = keys[i]!;
    if (!sample.stale && !found.has(key) && !missing.has(key))
      missing.set(key, { type: metricTypeOf(sample), unit: sample.unit, description: sample.description });
  }
  if (missing.size > 0) {
    await createSeries(ctx, dashboardId, missing, found);
    await announceConfig(ctx, dashboardId);
  }
  const points: StoredPoint[] = [];
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    if (sample.stale) continue;
    points.push({
      metric: found.get(keys[i]!) as Metric,
      value: sample.value,
      timestamp: Math.round(sample.timestamp),
    });
  }
  await storePoints(ctx.storage, points);
  fanOut(ctx, points).catch((error) => ctx.log.error({ err: error }, "fan-out of received samples failed"));
  return { stored: points.length, stale, points };
}
