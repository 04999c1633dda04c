// A uPlot time-series chart fed imperatively from the live store: it subscribes to its series and
// calls setData at most once per animation frame (the store batches), never through React state.
// React only creates and destroys the plot (on metric, chart kind or theme change).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartKind } from "@pulseboard/client/rest";
import { noteSetData } from "../live/perf.ts";
import type { LiveStore } from "../live/store.ts";
import { timeAxisLabels } from "./clock.ts";
import { joinSeries } from "./join.ts";
import { type Palette, readPalette, withAlpha } from "./palette.ts";
import { registerChart } from "./registry.ts";
import { type TimeWindow, xRange } from "./window.ts";

type Props = {
  store: LiveStore;
  metricIds: number[];
  labels: string[];
  kind: ChartKind;
  unit: string;
  window: TimeWindow;
  theme: string;
  /** accessible description of the chart, e.g. "requests over the last 5 minutes" */
  ariaLabel: string;
  /** overlays (threshold lines); read when the plot is built */
  plugins?: uPlot.Plugin[];
};

export function TimeChart({
  store,
  metricIds,
  labels,
  kind,
  unit,
  window,
  theme,
  ariaLabel,
  plugins,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const windowRef = useRef(window);
  const redraw = useRef<(() => void) | null>(null);
  const key = metricIds.join(",");

  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is rebuilt only when what it draws changes; `theme` re-reads the palette
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const palette = readPalette();
    const ids = key.split(",").map(Number);
    const opts = {
      ...chartOptions(palette, labels, kind, unit, el, () => xRange(windowRef.current)),
      plugins: plugins ?? [],
    };
    const chart = new uPlot(opts, emptyData(ids.length), el);
    const draw = () => {
      noteSetData(chart);
      if (ids.length === 1) {
        chart.setData(store.seriesFor(ids[0] as number).ring.view() as unknown as uPlot.AlignedData, true);
      } else {
        const joined = joinSeries(ids.map((id) => store.seriesFor(id).ring.view()));
        chart.setData(joined as uPlot.AlignedData, true);
      }
    };
    const unsubscribe = ids.map((id) => {
      const s = store.seriesFor(id);
      s.listeners.add(draw);
      return () => s.listeners.delete(draw);
    });
    const unregister = ids.map((id) => registerChart(id, chart));
    redraw.current = draw;
    draw();
    // A live window slides even without new points.
    const slide = setInterval(() => {
      if (windowRef.current.kind === "live") chart.setScale("x", toScale(xRange(windowRef.current)));
    }, 1000);
    const resize = new ResizeObserver(() => {
      const { width, height } = el.getBoundingClientRect();
      if (width > 0 && height > 0) chart.setSize({ width: Math.floor(width), height: Math.floor(height) });
    });
    resize.observe(el);
    return () => {
      clearInterval(slide);
      resize.disconnect();
      for (const f of unsubscribe) f();
      for (const f of unregister) f();
      redraw.current = null;
      chart.destroy();
    };
  }, [store, key, kind, unit, theme, labels.join("\u0000")]);

  // Re-apply the x range when the window changes without rebuilding the plot.
  useEffect(() => {
    windowRef.current = window;
    redraw.current?.();
  }, [window]);

  return <div className="chart" ref={host} role="img" aria-label={ariaLabel} />;
}

/** px: y labels closer than this would overlap */
const MIN_LABEL_SPACE = 14;

function toScale([min, max]: [number, number]) {
  return { min, max };
}

function emptyData(n: number): uPlot.AlignedData {
  return [[], ...Array.from({ length: n }, () => [])] as unknown as uPlot.AlignedData;
}

function chartOptions(
  palette: Palette,
  labels: string[],
  kind: ChartKind,
  unit: string,
  el: HTMLElement,
  range: () => [number, number],
): uPlot.Options {
  const { width, height } = el.getBoundingClientRect();
  const axis = {
    stroke: palette.text,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid },
  };
  const bars = uPlot.paths.bars?.({ size: [0.8, 12] });
  return {
    width: Math.max(50, Math.floor(width)),
    height: Math.max(40, Math.floor(height)),
    // Widgets draw their own legend where one is needed; uPlot's would sit outside the card.
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true, range: () => range() } },
    axes: [
      { ...axis, size: 28, values: (_u, splits, _i, _space, incr) => timeAxisLabels(splits, incr) },
      {
        ...axis,
        // room for "132.5k" or "100.5%" at the axis font
        size: 56,
        // uPlot's default 30 px between labels leaves a short card with one label; ask for room
        // for three or more labels whatever the height (never closer than a line of text).
        space: (_u, _i, _min, _max, dim) => Math.max(MIN_LABEL_SPACE, Math.min(30, dim / 4)),
        values: (_u, splits, _i, _space, incr) => splits.map((v) => formatTick(v, unit, incr)),
      },
    ],
    series: [
      {},
      ...labels.map((label, i) => {
        const color = palette.series[i % palette.series.length] as string;
        return {
          label,
          stroke: color,
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          ...(kind === "area" ? { fill: withAlpha(color, 0.18) } : {}),
          ...(kind === "bars" && bars ? { paths: bars, fill: withAlpha(color, 0.6) } : {}),
        };
      }),
    ],
  };
}

/**
 * An axis label: G/M/k scaling, and as many decimals as the tick step `incr` needs so that
 * neighbouring labels never read the same ("2.42, 2.44", not "2.4, 2.4"; "132.5k" next to "130k").
 */
export function formatTick(v: number, unit: string, incr = 0): string {
  const abs = Math.abs(v);
  const [scale, suffix] =
    abs >= 1e9 ? [1e9, "G"] : abs >= 1e6 ? [1e6, "M"] : abs >= 1e4 ? [1e3, "k"] : [1, ""];
  const step = incr / scale;
  let decimals = 0;
  if (step > 0)
    while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6)
      decimals++;
  else decimals = scale === 1 && Number.isInteger(v) ? 0 : abs < 1 ? 2 : 1;
  const text = `${Number((v / scale).toFixed(decimals))}${suffix}`;
  return unit === "%" ? `${text}%` : text;
}
