// What a chart draws from the points it has, as pure functions over typed arrays: where a series
// has no data (gaps), a counter's per-second rate with resets handled, and a histogram's
// percentiles and value heatmap per time bucket. Computed in the browser from the points the
// values endpoint answers; a server-side rate/quantile query would be better for long ranges
// (the client only sees bucket averages there, see percentileBuckets).

/** A gap is "no data for longer than this many of the series' usual intervals". */
export const GAP_INTERVALS = 3;

/**
 * The usual spacing of a series: the median of (up to 64 evenly sampled) intervals between
 * consecutive points, so a few outages do not move it. 0 with fewer than two points.
 */
export function typicalInterval(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return 0;
  const samples = Math.min(64, n - 1);
  const dts = new Array<number>(samples);
  for (let k = 0; k < samples; k++) {
    const i = 1 + Math.floor((k * (n - 1)) / samples);
    dts[k] = (xs[i] as number) - (xs[i - 1] as number);
  }
  dts.sort((a, b) => a - b);
  return dts[samples >> 1] as number;
}

/**
 * typicalInterval of one line of uPlot's aligned data: between its own points (x where its y is
 * not null/undefined), as a line joined with others has holes where only the others have points.
 */
export function typicalIntervalOf(xs: ArrayLike<number>, ys: ArrayLike<number | null | undefined>): number {
  let n = 0;
  for (let i = 0; i < ys.length; i++) if (ys[i] != null) n++;
  if (n === ys.length) return typicalInterval(xs);
  if (n < 2) return 0;
  const samples = Math.min(64, n - 1);
  const dts: number[] = [];
  // every `every`-th pair of consecutive own points
  const every = Math.max(1, Math.floor((n - 1) / samples));
  let seen = 0;
  let prev = Number.NaN;
  for (let i = 0; i < ys.length && dts.length < samples; i++) {
    if (ys[i] == null) continue;
    const x = xs[i] as number;
    if (seen > 0 && seen % every === 0) dts.push(x - prev);
    prev = x;
    seen++;
  }
  dts.sort((a, b) => a - b);
  return dts[dts.length >> 1] ?? 0;
}

/**
 * Index pairs [i-1, i] between which the series has no data for longer than GAP_INTERVALS times
 * its usual interval: the line is broken there instead of bridging the outage. `minGap` is a floor
 * (e.g. the bucket width of a downsampled range), so a series with jittery timing is not cut up.
 */
export function findGaps(xs: ArrayLike<number>, minGap = 0): number[] {
  const limit = Math.max(minGap, typicalInterval(xs) * GAP_INTERVALS);
  const gaps: number[] = [];
  if (limit <= 0) return gaps;
  for (let i = 1; i < xs.length; i++) if ((xs[i] as number) - (xs[i - 1] as number) > limit) gaps.push(i);
  return gaps;
}

/**
 * Per-second rate of a counter between consecutive points, written at the later point's time.
 * A value below its predecessor is a reset (process restart): the counter started again from 0,
 * so the increase over that interval is the new value itself (as Prometheus' rate() reads it),
 * never a negative cliff. Writes into `outX`/`outY` (reused by the caller) and returns the count.
 */
export function counterRate(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  outX: Float64Array,
  outY: Float64Array,
): number {
  let n = 0;
  for (let i = 1; i < xs.length; i++) {
    const dt = (xs[i] as number) - (xs[i - 1] as number);
    if (dt <= 0) continue;
    const prev = ys[i - 1] as number;
    const cur = ys[i] as number;
    const increase = cur >= prev ? cur - prev : cur;
    outX[n] = xs[i] as number;
    outY[n] = increase / dt;
    n++;
  }
  return n;
}

/** The q-quantile (0..1) of sorted values, by linear interpolation between closest ranks. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (pos - lo);
}

export type PercentileSeries = { xs: number[]; p50: number[]; p95: number[]; p99: number[] };

/**
 * p50/p95/p99 of the observations in each of `buckets` equal time buckets over [from, to] (s),
 * written at the bucket's middle; buckets without observations are left out (a gap).
 * Exact over raw samples; over downsampled points it is a percentile of bucket averages, which
 * understates the tails: that is where a server-side quantile answer is needed.
 */
export function percentileBuckets(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  from: number,
  to: number,
  buckets: number,
): PercentileSeries {
  const out: PercentileSeries = { xs: [], p50: [], p95: [], p99: [] };
  if (!(to > from) || buckets < 1) return out;
  const width = (to - from) / buckets;
  const groups: number[][] = Array.from({ length: buckets }, () => []);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (x < from || x > to) continue;
    const b = Math.min(buckets - 1, Math.floor((x - from) / width));
    (groups[b] as number[]).push(ys[i] as number);
  }
  groups.forEach((g, b) => {
    if (g.length === 0) return;
    g.sort((a, c) => a - c);
    out.xs.push(from + width * (b + 0.5));
    out.p50.push(quantile(g, 0.5));
    out.p95.push(quantile(g, 0.95));
    out.p99.push(quantile(g, 0.99));
  });
  return out;
}

export type Heatmap = {
  columns: number;
  rows: number;
  /** value range covered by the rows */
  min: number;
  max: number;
  /** counts[column * rows + row]; row 0 is the lowest values */
  counts: Uint32Array;
  maxCount: number;
};

/** Observations counted per (time column, value row) cell over [from, to]. */
export function heatmap(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  from: number,
  to: number,
  columns: number,
  rows: number,
): Heatmap {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (x < from || x > to) continue;
    const y = ys[i] as number;
    if (y < min) min = y;
    if (y > max) max = y;
  }
  const counts = new Uint32Array(columns * rows);
  const result: Heatmap = { columns, rows, min, max, counts, maxCount: 0 };
  if (min > max || !(to > from)) return result;
  const span = max > min ? max - min : 1;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (x < from || x > to) continue;
    const c = Math.min(columns - 1, Math.floor(((x - from) / (to - from)) * columns));
    const r = Math.min(rows - 1, Math.floor((((ys[i] as number) - min) / span) * rows));
    const k = c * rows + r;
    const n = (counts[k] as number) + 1;
    counts[k] = n;
    if (n > result.maxCount) result.maxCount = n;
  }
  return result;
}
