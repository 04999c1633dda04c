// Turns parsed exposition samples into Pulseboard points: allow-list by name prefix, sum
// selected families over labels we do not want (per-CPU → per-mode), drop non-finite values,
// and name each series by its series key (sample name plus labels, @pulseboard/protocol/series).
//
// Type mapping: counter → counter; gauge, untyped and unknown → gauge. A Prometheus histogram
// or summary is already aggregated (cumulative bucket counts, sums and counts), not a stream of
// observations as our `histogram` type is, so its `_bucket`, `_sum` and `_count` series become
// counters and a summary's quantile series become gauges (gauge histograms stay gauges).
import { seriesKey } from "@pulseboard/protocol/series";
import type { ExpositionSample } from "./prometheus-text.ts";
import type { CollectedPoint, MetricType } from "./types.ts";

export type SeriesOptions = {
  /** Sample-name prefixes to keep; `[""]` keeps everything. */
  allow: readonly string[];
  /** Families to sum over every label except the listed ones. */
  sumBy: Readonly<Record<string, readonly string[]>>;
};

/** A useful slice of node-exporter: a handful of series instead of thousands. */
export const defaultSeriesOptions: SeriesOptions = {
  allow: [
    "node_load",
    "node_memory_Mem",
    "node_cpu_seconds_total",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
  ],
  sumBy: { node_cpu_seconds_total: ["mode"] },
};

export function samplesToPoints(
  samples: readonly ExpositionSample[],
  options: SeriesOptions,
  scrapedAt: Date,
): CollectedPoint[] {
  // Keyed by rendered name: a later duplicate replaces an earlier one, aggregates add up.
  const series = new Map<string, { sample: ExpositionSample; value: number; timestampMs?: number }>();
  for (const sample of samples) {
    if (!Number.isFinite(sample.value)) continue;
    if (!options.allow.some((prefix) => sample.name.startsWith(prefix))) continue;
    const keep = Object.hasOwn(options.sumBy, sample.name) ? options.sumBy[sample.name] : undefined;
    const labels = keep ? pick(sample.labels, keep) : sample.labels;
    const key = seriesKey(sample.name, labels);
    const existing = series.get(key);
    if (keep && existing) {
      existing.value += sample.value;
      existing.timestampMs = maxDefined(existing.timestampMs, sample.timestampMs);
    } else {
      series.set(key, { sample, value: sample.value, timestampMs: sample.timestampMs });
    }
  }
  const points: CollectedPoint[] = [];
  for (const [name, { sample, value, timestampMs }] of series) {
    if (!Number.isFinite(value)) continue; // a sum can overflow to Infinity
    const timestamp = timestampMs !== undefined ? new Date(timestampMs) : scrapedAt;
    points.push({
      metric: { name, type: metricType(sample), unit: unitOf(sample.name), description: sample.help ?? "" },
      value,
      timestamp: Number.isNaN(timestamp.getTime()) ? scrapedAt : timestamp,
    });
  }
  return points;
}

export function metricType(sample: ExpositionSample): MetricType {
  switch (sample.type) {
    case "counter":
      return "counter";
    case "histogram":
      return "counter";
    case "summary":
      return sample.name === sample.family ? "gauge" : "counter";
    default:
      return "gauge";
  }
}

const UNIT_SUFFIXES: Array<[RegExp, string]> = [
  [/_seconds(_total)?$/, "s"],
  [/_bytes(_total)?$/, "B"],
  [/_celsius$/, "°C"],
  [/_percent$/, "%"],
  [/_(volts)$/, "V"],
  [/_(watts)$/, "W"],
  [/_(joules)(_total)?$/, "J"],
  [/_(hertz)$/, "Hz"],
];

/** Unit from the naming convention (`_seconds`, `_bytes`…); histogram suffixes are counts. */
export function unitOf(name: string): string {
  if (/_(bucket|count)$/.test(name)) return "";
  const base = name.replace(/_sum$/, "");
  for (const [pattern, unit] of UNIT_SUFFIXES) if (pattern.test(base)) return unit;
  return "";
}

function pick(labels: Readonly<Record<string, string>>, keep: readonly string[]): Record<string, string> {
  const out: Array<[string, string]> = [];
  for (const k of keep) if (Object.hasOwn(labels, k)) out.push([k, labels[k]!]);
  return Object.fromEntries(out);
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}
