// Live uPlot instances by metric id, so tests (and the perf overlay) can read exactly the data a
// chart was last given: `window.__pulseboardSeries(metricId)`.
import type uPlot from "uplot";

const charts = new Map<number, Set<uPlot>>();
/** Per chart: draws what it owes now (a chart out of view waits to be scrolled to otherwise). */
const flushes = new WeakMap<uPlot, () => void>();

export function registerChart(metricId: number, chart: uPlot, flush?: () => void): () => void {
  let set = charts.get(metricId);
  if (!set) {
    set = new Set();
    charts.set(metricId, set);
  }
  set.add(chart);
  if (flush) flushes.set(chart, flush);
  return () => set.delete(chart);
}

/** The first chart drawing this metric, with whatever it owes drawn first. */
function first(metricId: number): uPlot | undefined {
  const chart = charts.get(metricId)?.values().next().value;
  if (chart) flushes.get(chart)?.();
  return chart;
}

export type SeriesDump = { timestamps: number[]; values: (number | null)[] } | null;

/** Timestamps (ms) and values of the first chart drawing this metric (series 1), or null. */
export function chartSeries(metricId: number): SeriesDump {
  const chart = first(metricId);
  if (!chart) return null;
  const [xs, ys] = chart.data as unknown as [ArrayLike<number>, ArrayLike<number | null>];
  return {
    timestamps: Array.from(xs ?? [], (x) => Math.round(x * 1000)),
    values: Array.from(ys ?? []),
  };
}

/** The first uPlot drawing this metric (browser specs read positions and pixels through it). */
export function chartPlot(metricId: number): uPlot | null {
  return first(metricId) ?? null;
}

export function chartCount(): number {
  let n = 0;
  for (const set of charts.values()) n += set.size;
  return n;
}
