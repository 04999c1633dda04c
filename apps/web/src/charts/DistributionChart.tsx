// Distribution of a histogram metric's observations in the current window, drawn as uPlot bars.
// Recomputed at most once per frame from the series ring (fixed bin count, reused arrays).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { LiveStore } from "@pulseboard/client/live";
import { noteSetData } from "../live/perf.ts";
import { readPalette, withAlpha } from "./palette.ts";
import { formatTick } from "./units.ts";
import { type TimeWindow, xRange } from "./window.ts";

const BINS = 20;

type Props = {
  store: LiveStore;
  metricId: number;
  unit: string;
  window: TimeWindow;
  theme: string;
  ariaLabel: string;
};

export function DistributionChart({ store, metricId, unit, window, theme, ariaLabel }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const windowRef = useRef(window);
  windowRef.current = window;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `theme` re-reads the palette
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const palette = readPalette();
    const color = palette.series[0] as string;
    const { width, height } = el.getBoundingClientRect();
    const axis = {
      stroke: palette.text,
      grid: { stroke: palette.grid, width: 1 },
      ticks: { stroke: palette.grid },
    };
    const chart = new uPlot(
      {
        width: Math.max(50, Math.floor(width)),
        height: Math.max(40, Math.floor(height)),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false } },
        axes: [
          {
            ...axis,
            size: 28,
            values: (_u, splits, _i, _space, incr) => splits.map((v) => formatTick(v, unit, incr)),
          },
          { ...axis, size: 40 },
        ],
        series: [
          {},
          {
            label: "count",
            stroke: color,
            fill: withAlpha(color, 0.6),
            paths: uPlot.paths.bars?.({ size: [0.9, 40] }),
            points: { show: false },
          },
        ],
      },
      [[], []],
      el,
    );
    const centers = new Float64Array(BINS);
    const counts = new Float64Array(BINS);
    const series = store.seriesFor(metricId);
    const draw = () => {
      noteSetData(chart);
      const [xs, ys] = series.ring.view();
      const [from, to] = xRange(windowRef.current);
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i] as number;
        if (x < from || x > to) continue;
        const y = ys[i] as number;
        if (y < min) min = y;
        if (y > max) max = y;
      }
      counts.fill(0);
      if (min === Number.POSITIVE_INFINITY) {
        chart.setData([[], []]);
        return;
      }
      const span = max > min ? max - min : 1;
      const step = span / BINS;
      for (let b = 0; b < BINS; b++) centers[b] = min + step * (b + 0.5);
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i] as number;
        if (x < from || x > to) continue;
        const b = Math.min(BINS - 1, Math.floor(((ys[i] as number) - min) / step));
        counts[b] = (counts[b] as number) + 1;
      }
      chart.setData([centers, counts] as unknown as uPlot.AlignedData, true);
    };
    series.listeners.add(draw);
    draw();
    const resize = new ResizeObserver(() => {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0)
        chart.setSize({ width: Math.floor(r.width), height: Math.floor(r.height) });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      series.listeners.delete(draw);
      chart.destroy();
    };
  }, [store, metricId, unit, theme]);

  return <div className="chart" ref={host} role="img" aria-label={ariaLabel} />;
}
