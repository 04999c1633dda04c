// Owns what a series panel draws: the lines a widget's selector (`cpu{host=~"web-.*"}`), `group_by`
// and `aggregate` make of the dashboard's series, their colours (a hash of the line's key, so every
// viewer and every reload sees the same colour for the same host), the names its legend shows (only
// the labels that tell the lines apart), and the aggregated points of a grouped line.
import type { Metric, Widget } from "@pulseboard/protocol/rest";
import { type Labels, parseSelector, parseSeriesKey, selects, seriesKey } from "@pulseboard/protocol/series";
import { GAP_INTERVALS, typicalInterval } from "./transform.ts";

/** A panel draws at most this many lines (series or groups); it says how many it left out. */
export const MAX_LINES = 50;
/** Line colours: `--series-1` … `--series-N` of the theme (styles.css defines both themes). */
export const LINE_COLORS = 10;

export type Aggregate = NonNullable<Widget["aggregate"]>;

/** One drawn line: a series, or a group of series (`ids`) combined by the panel's aggregate. */
export type Line = {
  /** the series key, or for a group `family{the group's labels}` */
  key: string;
  labels: Labels;
  ids: number[];
  /** 0-based index into the line colours */
  slot: number;
};

export type LineSet =
  | { ok: false; error: string }
  | {
      ok: true;
      family: string;
      /** drawn lines, ordered by key (numbers in keys compare as numbers: web-2 before web-10) */
      lines: Line[];
      /** lines there would be without the cap */
      totalLines: number;
      /** series the selector matches that have data */
      totalSeries: number;
      /** ids of every series the selector matches, with data or not */
      candidates: number[];
      unit: string;
      type: Metric["type"] | undefined;
    };

/** FNV-1a over the key's UTF-16 units: cheap, and well spread for keys that differ in one digit. */
export function colorSlot(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % LINE_COLORS;
}

const byKey = new Intl.Collator("en", { numeric: true }).compare;

function labelsOf(m: Metric): Labels {
  return m.labels ?? parseSeriesKey(m.name).labels;
}

/**
 * The lines of a series panel over the dashboard's metrics, or why the selector is not one. Only
 * series `hasData` says have points are drawn (as Grafana draws the series a query returns): a
 * family's unlabeled metric that labeled ingest needs as its template stays out until it has data.
 */
export function seriesLines(
  selectorText: string,
  groupBy: readonly string[] | undefined,
  metrics: readonly Metric[],
  hasData: (metricId: number) => boolean = () => true,
  cap = MAX_LINES,
): LineSet {
  let selector: ReturnType<typeof parseSelector>;
  try {
    selector = parseSelector(selectorText);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const selected = metrics.filter((m) => selects(selector, m.name));
  const matched = selected.filter((m) => hasData(m.id)).sort((a, b) => byKey(a.name, b.name));
  const first = selected[0];
  let all: Line[];
  if (groupBy && groupBy.length > 0) {
    const groups = new Map<string, Line>();
    for (const m of matched) {
      const own = labelsOf(m);
      const picked: Record<string, string> = {};
      for (const name of groupBy) if (own[name]) picked[name] = own[name];
      const key = seriesKey(selector.family, picked);
      let line = groups.get(key);
      if (!line) {
        line = { key, labels: picked, ids: [], slot: colorSlot(key) };
        groups.set(key, line);
      }
      line.ids.push(m.id);
    }
    all = [...groups.values()].sort((a, b) => byKey(a.key, b.key));
  } else {
    all = matched.map((m) => ({ key: m.name, labels: labelsOf(m), ids: [m.id], slot: colorSlot(m.name) }));
  }
  return {
    ok: true,
    family: selector.family,
    lines: all.slice(0, cap),
    totalLines: all.length,
    totalSeries: matched.length,
    candidates: selected.map((m) => m.id),
    unit: first?.unit ?? "",
    type: first?.type,
  };
}

/**
 * What the legend calls each line: the fewest labels that tell the lines apart, so the repeated
 * part is not read again and again: one label by its value alone (`web-1`, `web-2`; with `host`
 * and `role` both differing, `host` alone when it suffices), several with their names (`core=0,
 * host=web-1`). Labels are tried most-distinct first. A single line is named by all its labels
 * (`role=web`), or by its key when it has none.
 */
export function lineNames(lines: readonly Pick<Line, "key" | "labels">[]): string[] {
  const names = [...new Set(lines.flatMap((l) => Object.keys(l.labels)))];
  const distinct = new Map(names.map((n) => [n, new Set(lines.map((l) => l.labels[n] ?? "")).size]));
  const differing = names
    .filter((n) => (distinct.get(n) ?? 0) > 1)
    .sort((a, b) => (distinct.get(b) ?? 0) - (distinct.get(a) ?? 0) || (a < b ? -1 : 1));
  if (lines.length < 2 || differing.length === 0)
    return lines.map((l) => {
      const pairs = Object.entries(l.labels).map(([k, v]) => `${k}=${v}`);
      return pairs.length > 0 ? pairs.join(", ") : l.key;
    });
  const chosen: string[] = [];
  const unique = () => new Set(lines.map((l) => chosen.map((n) => l.labels[n] ?? "").join("\u0000"))).size;
  for (const n of differing) {
    chosen.push(n);
    if (unique() === lines.length) break;
  }
  if (chosen.length === 1) return lines.map((l) => l.labels[chosen[0] as string] || `no ${chosen[0]}`);
  // several: which value is which must be read, so each with its name, in label order
  chosen.sort();
  return lines.map((l) => chosen.map((n) => `${n}=${l.labels[n] ?? ""}`).join(", "));
}

/** The unit of the series a selector names (its family's), "" when it names none or does not parse. */
export function selectorUnit(selectorText: string, metrics: readonly Metric[]): string {
  let family: string;
  try {
    family = parseSelector(selectorText).family;
  } catch {
    return "";
  }
  return metrics.find((m) => parseSeriesKey(m.name).family === family)?.unit ?? "";
}

/** The labels a family's series carry, sorted (what a panel can group by). */
export function familyLabels(family: string, metrics: readonly Metric[]): string[] {
  const names = new Set<string>();
  for (const m of metrics) {
    const s = parseSeriesKey(m.name);
    if (s.family === family) for (const n of Object.keys(s.labels)) names.add(n);
  }
  return [...names].sort();
}

/** Families that have labeled series on the dashboard, with how many series each has, by name. */
export function labeledFamilies(metrics: readonly Metric[]): { family: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const m of metrics) {
    const s = parseSeriesKey(m.name);
    if (Object.keys(s.labels).length > 0) counts.set(s.family, (counts.get(s.family) ?? 0) + 1);
  }
  return [...counts].map(([family, count]) => ({ family, count })).sort((a, b) => byKey(a.family, b.family));
}

type View = [ArrayLike<number>, ArrayLike<number>];

/** Buckets of an aggregated chart are never more than this many (a wide range widens the step). */
const MAX_BUCKETS = 10_000;

/**
 * The step grouped lines are aligned on: the chart's own step (one bucket per pixel, never finer
 * than the store's live bucketing) or, when coarser, the slowest member's usual sampling interval,
 * so that every series of a group has a point in (nearly) every bucket and an `avg`/`sum` does not
 * jump as members take turns reporting.
 */
export function alignmentStep(views: readonly View[], pixelStep: number): number {
  let step = pixelStep;
  for (const [xs] of views) step = Math.max(step, typicalInterval(xs));
  return step > 0 ? step : 1;
}

/**
 * The grouped lines, aligned: time is cut into buckets of `step` seconds counted from the epoch (so
 * every viewer cuts at the same instants); in each bucket a series counts once, with the mean of
 * its points there, or — when it has none — its previous bucket's value for up to GAP_INTERVALS of
 * its usual intervals (Prometheus' lookback: a series that reports a little later than the others
 * does not drop out of a sum for a bucket). The group's value is `aggregate` over the series that
 * have a value; none is a gap (null). A bucket is drawn at its start. Returns uPlot's aligned data.
 * `carry: false` (one series per line, drawn per pixel): no lookback, and a bucket without a point
 * is left undefined, which uPlot bridges (a staircase of carried values would be drawn otherwise);
 * the chart finds real outages by the line's own spacing.
 */
export function aggregateAligned(
  views: readonly View[],
  groups: readonly number[][],
  step: number,
  aggregate: Aggregate,
  carry = true,
): (number | null | undefined)[][] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [xs] of views) {
    if (xs.length === 0) continue;
    lo = Math.min(lo, xs[0] as number);
    hi = Math.max(hi, xs[xs.length - 1] as number);
  }
  if (lo > hi) return [[], ...groups.map(() => [])];
  let width = step;
  while ((hi - lo) / width >= MAX_BUCKETS) width *= 2;
  const b0 = Math.floor(lo / width);
  const n = Math.floor(hi / width) - b0 + 1;
  const xs = Array.from({ length: n }, (_, i) => (b0 + i) * width);
  const mean = new Float64Array(n);
  const count = new Uint32Array(n);
  const out = groups.map((members) => {
    const acc = new Float64Array(n);
    const have = new Uint32Array(n);
    for (const s of members) {
      const view = views[s];
      if (!view) continue;
      const [sx, sy] = view;
      mean.fill(0);
      count.fill(0);
      for (let i = 0; i < sx.length; i++) {
        const b = Math.floor((sx[i] as number) / width) - b0;
        mean[b] = (mean[b] as number) + (sy[i] as number);
        count[b] = (count[b] as number) + 1;
      }
      const lookback = Math.max(1, Math.ceil((typicalInterval(sx) * GAP_INTERVALS) / width));
      let last = 0;
      let lastAt = Number.NEGATIVE_INFINITY;
      for (let b = 0; b < n; b++) {
        let v: number;
        if ((count[b] as number) > 0) {
          v = (mean[b] as number) / (count[b] as number);
          last = v;
          lastAt = b;
        } else if (carry && b - lastAt <= lookback) v = last;
        else continue;
        const k = have[b] as number;
        const a = acc[b] as number;
        acc[b] =
          k === 0 ? v : aggregate === "min" ? Math.min(a, v) : aggregate === "max" ? Math.max(a, v) : a + v;
        have[b] = k + 1;
      }
    }
    return Array.from(acc, (v, b) => {
      const k = have[b] as number;
      if (k === 0) return carry ? null : undefined;
      return aggregate === "avg" ? v / k : v;
    });
  });
  return [xs, ...out];
}
