// Aligns several sorted series on one x axis (uPlot's data model): the union of timestamps, with
// undefined where a series has no point (uPlot bridges undefined; null draws a break, which the
// charts keep for real outages). Used by multi-series charts whose series are sampled independently.
export function joinSeries(series: [ArrayLike<number>, ArrayLike<number>][]): (number | undefined)[][] {
  const xs: number[] = [];
  const ys: (number | undefined)[][] = series.map(() => []);
  const idx = series.map(() => 0);
  for (;;) {
    let next = Number.POSITIVE_INFINITY;
    for (let s = 0; s < series.length; s++) {
      const [sx] = series[s]!;
      const i = idx[s]!;
      if (i < sx.length && (sx[i] as number) < next) next = sx[i] as number;
    }
    if (next === Number.POSITIVE_INFINITY) break;
    xs.push(next);
    for (let s = 0; s < series.length; s++) {
      const [sx, sy] = series[s]!;
      const i = idx[s]!;
      if (i < sx.length && sx[i] === next) {
        ys[s]!.push(sy[i] as number);
        idx[s] = i + 1;
      } else ys[s]!.push(undefined);
    }
  }
  return [xs, ...ys];
}
