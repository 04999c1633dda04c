// A uPlot time-series chart fed imperatively from the live store: it subscribes to its series and
// calls setData at most once per animation frame (the store batches), never through React state.
// React only creates and destroys the plot (on metric, chart kind or theme change).
// Reading it: a tooltip with the exact value(s) and time under the cursor, a crosshair shared with
// every chart of the dashboard (uPlot cursor sync), a legend with values, drag to zoom and
// double-click to zoom back (the page owns the range), outages drawn as breaks, counters as rates.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { LiveStore } from "@pulseboard/client/live";
import { noteSetData } from "../live/perf.ts";
import { clockTime, dateTime, timeAxisLabels } from "./clock.ts";
import { joinSeries } from "./join.ts";
import { type Palette, readPalette, withAlpha } from "./palette.ts";
import { registerChart } from "./registry.ts";
import { counterRate, GAP_INTERVALS, typicalInterval, typicalIntervalOf } from "./transform.ts";
import { axisIncrs, formatTick, formatValue } from "./units.ts";
import { type TimeWindow, xRange } from "./window.ts";

export type LineKind = "line" | "bars" | "area";
/** A horizontal line at a value (e.g. an alert rule's threshold). */
export type Threshold = { value: number; color?: string; label?: string };

export type TimeChartProps = {
  store: LiveStore;
  metricIds: number[];
  labels: string[];
  kind: LineKind;
  unit: string;
  window: TimeWindow;
  theme: string;
  /** accessible description of the chart, e.g. "requests over the last 5 minutes" */
  ariaLabel: string;
  /** overlays (alert threshold lines); read when the plot is built */
  plugins?: uPlot.Plugin[];
  /** draw a counter's per-second rate instead of its raw total */
  rate?: boolean;
  /** charts with the same key share one crosshair */
  syncKey?: string;
  /** a drag across the plot selected [from, to] (ms) */
  onZoom?: (from: number, to: number) => void;
  /** a double-click asks to go back to the range before the last zoom */
  onZoomOut?: () => void;
  thresholds?: Threshold[];
  /**
   * Computes what is drawn from the metrics' points (one series per label) instead of drawing the
   * points themselves, e.g. a histogram's percentiles; gets the x range (s) and the plot width (px).
   */
  derive?: Derive;
  /** each line's colour, an index into the palette (default: by position) */
  colors?: number[];
  /** lines not drawn (series panel legend); changing it shows/hides without rebuilding the plot */
  hidden?: boolean[];
  /** false: the caller draws its own legend (default: one for two or more lines) */
  legend?: boolean;
  /** after each setData, with the plot (a caller's legend reads its newest values here) */
  onDrawn?: (u: uPlot) => void;
};

export type Derive = (
  views: [Float64Array, Float64Array][],
  range: [number, number],
  width: number,
) => ArrayLike<number | null | undefined>[];

export function TimeChart(props: TimeChartProps) {
  const { store, metricIds, labels, kind, unit, window, theme, ariaLabel, rate, syncKey } = props;
  const host = useRef<HTMLDivElement>(null);
  const legend = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const windowRef = useRef(window);
  const propsRef = useRef(props);
  propsRef.current = props;
  const redraw = useRef<(() => void) | null>(null);
  const plot = useRef<uPlot | null>(null);
  const key = metricIds.join(",");
  const colorKey = (props.colors ?? []).join(",");
  const withLegend = props.legend !== false && labels.length > 1;
  const shownUnit = rate ? `${unit}/s` : unit;
  const thresholdKey = JSON.stringify(props.thresholds ?? []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is rebuilt only when what it draws changes; `theme` re-reads the palette
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const palette = readPalette();
    const ids = key.split(",").map(Number);
    // Where each series has no data for longer than a few of its usual intervals (seconds).
    const gapLimit = labels.map(() => 0);
    const gaps: uPlot.Series.GapsRefiner = (u, sidx, idx0, idx1, nullGaps) => {
      const limit = gapLimit[sidx - 1] ?? 0;
      if (limit <= 0) return nullGaps;
      const xs = u.data[0];
      const ys = u.data[sidx] as ArrayLike<number | null | undefined>;
      let prev = -1;
      for (let i = idx0; i <= idx1; i++) {
        if (ys[i] == null) continue;
        if (prev >= 0 && (xs[i] as number) - (xs[prev] as number) > limit)
          uPlot.addGap(
            nullGaps,
            Math.round(u.valToPos(xs[prev] as number, "x", true)) + 1,
            Math.round(u.valToPos(xs[i] as number, "x", true)) - 1,
          );
        prev = i;
      }
      return nullGaps;
    };
    const opts = chartOptions(
      palette,
      labels,
      kind,
      shownUnit,
      el,
      () => xRange(windowRef.current),
      gaps,
      syncKey,
      propsRef.current.colors,
      propsRef.current.hidden,
    );
    opts.plugins = propsRef.current.plugins ?? [];
    opts.hooks = {
      setCursor: [(u) => paintReadout(u)],
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width < 3) return;
          const from = u.posToVal(left, "x") * 1000;
          const to = u.posToVal(left + width, "x") * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          propsRef.current.onZoom?.(Math.round(from), Math.round(to));
        },
      ],
      draw: [(u) => drawThresholds(u, JSON.parse(thresholdKey) as Threshold[], palette)],
    };
    const chart = new uPlot(opts, emptyData(labels.length), el);
    let hovered = false;
    const over = chart.over;
    const enter = () => {
      hovered = true;
    };
    const leave = () => {
      hovered = false;
      if (tip.current && !tip.current.hidden) tip.current.hidden = true;
    };
    const dbl = () => propsRef.current.onZoomOut?.();
    over.addEventListener("mouseenter", enter);
    over.addEventListener("mouseleave", leave);
    over.addEventListener("dblclick", dbl);

    /** Legend values (at the cursor, else the newest) and, on the hovered chart, the tooltip. */
    const paintReadout = (u: uPlot) => {
      const idx = u.cursor.idx;
      const at = idx ?? lastIndex(u);
      if (legend.current && withLegend) {
        const cells = legend.current.querySelectorAll<HTMLElement>("[data-value]");
        cells.forEach((cell, i) => {
          const text = formatValue(valueAt(u, i + 1, at), shownUnit);
          if (cell.textContent !== text) cell.textContent = text;
        });
      }
      const t = tip.current;
      if (!t) return;
      if (!hovered || idx == null || (u.cursor.left ?? -1) < 0) {
        // Only when it changes: writing the attribute, even to the same value, costs a style
        // recalculation, and this runs on every draw of every chart.
        if (!t.hidden) t.hidden = true;
        return;
      }
      const x = u.data[0][idx] as number;
      const [from, to] = xRange(windowRef.current);
      const when = to - from > 86_400 ? dateTime(x * 1000) : clockTime(x * 1000);
      const colors = propsRef.current.colors;
      const rows = labels
        .flatMap((label, i) => {
          const v = valueAt(u, i + 1, idx);
          if (v === undefined || u.series[i + 1]?.show === false) return [];
          const swatch = colors
            ? `<span class="swatch" style="background:var(--series-${(colors[i] ?? 0) + 1})"></span>`
            : `<span class="swatch swatch-${(i % 4) + 1}"></span>`;
          return [`<div>${swatch}${escapeHtml(label)} <b>${formatValue(v, shownUnit)}</b></div>`];
        })
        // a panel of fifty lines: the tooltip names the first few shown
        .slice(0, TIP_ROWS)
        .join("");
      t.innerHTML = `<time class="tip-time">${when}</time>${rows}`;
      t.hidden = false;
      const plotLeft = u.over.offsetLeft;
      const cursorLeft = plotLeft + (u.cursor.left ?? 0);
      const w = t.offsetWidth;
      const left = cursorLeft + 12 + w > el.clientWidth ? cursorLeft - w - 12 : cursorLeft + 12;
      t.style.left = `${Math.max(0, left)}px`;
      // Kept inside the card, which clips what overflows it (content-visibility, styles.css).
      t.style.top = `${Math.max(0, Math.min((u.cursor.top ?? 0) - 8, el.clientHeight - t.offsetHeight))}px`;
    };

    const rateX = new Float64Array(4096);
    const rateY = new Float64Array(4096);
    const gapFloor = () => store.bucketWidth() * GAP_INTERVALS;
    let drawnAt = Number.NEGATIVE_INFINITY;
    const draw = () => {
      drawnAt = performance.now();
      noteSetData(chart);
      const views = ids.map((id) => store.seriesFor(id).ring.view());
      const derive = propsRef.current.derive;
      if (derive) {
        const data = derive(views, xRange(windowRef.current), chart.bbox.width / devicePixelRatio);
        // Each line by its own spacing: lines joined from several series have holes where only
        // the others have points, which must not make every one of its intervals look like a gap.
        for (let i = 1; i < data.length; i++)
          gapLimit[i - 1] = Math.max(
            gapFloor(),
            typicalIntervalOf(data[0] as ArrayLike<number>, data[i] as ArrayLike<number | null | undefined>) *
              GAP_INTERVALS,
          );
        chart.setData(data as unknown as uPlot.AlignedData, true);
        paintReadout(chart);
        propsRef.current.onDrawn?.(chart);
        return;
      }
      const shown = views.map(([xs, ys], i) => {
        if (!rate) return [xs, ys] as [Float64Array, Float64Array];
        const bx = i === 0 ? rateX : new Float64Array(xs.length);
        const by = i === 0 ? rateY : new Float64Array(xs.length);
        const n = counterRate(xs, ys, bx, by);
        return [bx.subarray(0, n), by.subarray(0, n)] as [Float64Array, Float64Array];
      });
      shown.forEach(([xs], i) => {
        gapLimit[i] = Math.max(gapFloor(), typicalInterval(xs) * GAP_INTERVALS);
      });
      if (shown.length === 1) chart.setData(shown[0] as unknown as uPlot.AlignedData, true);
      else chart.setData(joinSeries(shown) as unknown as uPlot.AlignedData, true);
      paintReadout(chart);
      propsRef.current.onDrawn?.(chart);
    };
    // A chart out of view is not drawn: it owes one draw for when it scrolls in (as Grafana renders
    // only the panels in view). With 50 panels most are below the fold, and their draws took the
    // frame budget the visible ones needed. Until the first report, a chart counts as in view.
    let inView = true;
    let owedWhileHidden = false;
    const owed = () => {
      if (!owedWhileHidden) return;
      owedWhileHidden = false;
      draw();
    };
    const seen = new IntersectionObserver(
      (entries) => {
        for (const e of entries) inView = e.isIntersecting;
        if (inView) owed();
      },
      { rootMargin: "200px" },
    );
    seen.observe(el);
    const onPoints = () => {
      if (inView) draw();
      else owedWhileHidden = true;
    };
    const unsubscribe = ids.map((id) => {
      const s = store.seriesFor(id);
      s.listeners.add(onPoints);
      return () => s.listeners.delete(onPoints);
    });
    const unregister = ids.map((id) => registerChart(id, chart, owed));
    // The whole chart's width, not the plot's: that one follows the y labels, which follow the data.
    const widthOff = ids.map((id) => store.noteChartWidth(id, () => chart.width));
    redraw.current = draw;
    plot.current = chart;
    draw();
    // A live window slides even without new points.
    // A chart drawn within the last second has slid already (each draw takes the window's range):
    // redrawing all of a dashboard's charts on the same tick made one long frame every second.
    const slide = setInterval(() => {
      if (windowRef.current.kind !== "live" || performance.now() - drawnAt <= 900) return;
      if (inView) chart.setScale("x", toScale(xRange(windowRef.current)));
      else owedWhileHidden = true;
    }, 1000);
    const resize = new ResizeObserver(() => {
      const { width, height } = el.getBoundingClientRect();
      if (width > 0 && height > 0) {
        chart.setSize({ width: Math.floor(width), height: Math.floor(height) });
        store.widthChanged();
      }
    });
    resize.observe(el);
    return () => {
      clearInterval(slide);
      seen.disconnect();
      resize.disconnect();
      over.removeEventListener("mouseenter", enter);
      over.removeEventListener("mouseleave", leave);
      over.removeEventListener("dblclick", dbl);
      for (const f of unsubscribe) f();
      for (const f of unregister) f();
      for (const f of widthOff) f();
      redraw.current = null;
      plot.current = null;
      chart.destroy();
    };
  }, [store, key, kind, shownUnit, theme, labels.join("\u0000"), rate, syncKey, thresholdKey, colorKey]);

  // Shown/hidden lines change on the plot as it is (its scales refit to what is shown).
  const hiddenKey = (props.hidden ?? []).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `hiddenKey` is props.hidden by value
  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    const hidden = propsRef.current.hidden ?? [];
    u.batch(() => {
      for (let i = 1; i < u.series.length; i++) {
        const show = !hidden[i - 1];
        if (u.series[i]?.show !== show) u.setSeries(i, { show });
      }
    });
    propsRef.current.onDrawn?.(u);
  }, [hiddenKey]);

  // Re-apply the x range when the window changes without rebuilding the plot.
  useEffect(() => {
    windowRef.current = window;
    redraw.current?.();
  }, [window]);

  // A new `derive` (a series panel's aggregate changed) draws again from the same points.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the function is read through propsRef
  useEffect(() => {
    redraw.current?.();
  }, [props.derive]);

  return (
    <div className="chart-frame">
      <div className="chart" ref={host} role="img" aria-label={ariaLabel}>
        <div className="chart-tip" ref={tip} hidden data-testid="chart-tooltip" />
      </div>
      {withLegend && (
        <div className="legend" ref={legend}>
          {labels.map((label, i) => (
            <span key={label}>
              <span className={`swatch swatch-${(i % 4) + 1}`} aria-hidden="true" />
              {label} <b data-value="">–</b>
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

/** Rows of the tooltip at most (the first lines shown, in legend order). */
const TIP_ROWS = 12;

/** px: y labels closer than this would overlap */
const MIN_LABEL_SPACE = 14;

function toScale([min, max]: [number, number]) {
  return { min, max };
}

function emptyData(n: number): uPlot.AlignedData {
  return [[], ...Array.from({ length: n }, () => [])] as unknown as uPlot.AlignedData;
}

function lastIndex(u: uPlot): number | null {
  const n = u.data[0]?.length ?? 0;
  return n > 0 ? n - 1 : null;
}

/** The series' value at `idx`, or (joined series) its nearest earlier value. */
function valueAt(u: uPlot, sidx: number, idx: number | null): number | undefined {
  if (idx == null) return undefined;
  const ys = u.data[sidx] as ArrayLike<number | null | undefined> | undefined;
  if (!ys) return undefined;
  for (let i = idx; i >= 0 && i > idx - 64; i--) {
    const v = ys[i];
    if (v != null) return v;
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The y axis is as wide as its longest label ("132.5k", "100.5%", "175 KiB/s"), in steps of 8 px
 * and never narrower than it was: a size change re-lays the whole plot out, so a label that
 * flickers between "99.5" and "100" must not do that on every frame.
 */
function axisSize(u: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = u.axes[axisIdx] as uPlot.Axis & { _size?: number; font?: [string, number, number] };
  const current = axis._size ?? 0;
  if (cycleNum > 1 && current) return current;
  const longest = (values ?? []).reduce((a, v) => (v.length > a.length ? v : a), "");
  if (!longest) return Math.max(current, 40);
  u.ctx.font = axis.font?.[0] ?? "12px system-ui";
  const wanted = Math.ceil((u.ctx.measureText(longest).width / devicePixelRatio + 18) / 8) * 8;
  return Math.max(current, wanted);
}

function drawThresholds(u: uPlot, thresholds: Threshold[], palette: Palette) {
  if (thresholds.length === 0) return;
  const ctx = u.ctx;
  const { left, width, top, height } = u.bbox;
  ctx.save();
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.lineWidth = devicePixelRatio;
  for (const t of thresholds) {
    const y = Math.round(u.valToPos(t.value, "y", true));
    if (y < top || y > top + height) continue;
    ctx.strokeStyle = t.color ?? (palette.series[3] as string);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
  }
  ctx.restore();
}

function chartOptions(
  palette: Palette,
  labels: string[],
  kind: LineKind,
  unit: string,
  el: HTMLElement,
  range: () => [number, number],
  gaps: uPlot.Series.GapsRefiner,
  syncKey: string | undefined,
  colors: number[] | undefined,
  hidden: boolean[] | undefined,
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
    // The chart draws its own legend (with values) and tooltip inside the card.
    legend: { show: false },
    cursor: {
      y: false,
      drag: { x: true, y: false, setScale: false },
      ...(syncKey ? { sync: { key: syncKey, scales: ["x", null] } } : {}),
    },
    scales: {
      x: { time: true, range: () => range() },
      // Bars are lengths: they start at zero, or they lie about ratios.
      ...(kind === "bars"
        ? {
            y: {
              range: (_u: uPlot, min: number, max: number) => {
                const [lo, hi] = uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true);
                return [Math.min(0, lo ?? 0), Math.max(0, hi ?? 1)] as [number, number];
              },
            },
          }
        : {}),
    },
    axes: [
      { ...axis, size: 28, values: (_u, splits, _i, _space, incr) => timeAxisLabels(splits, incr) },
      {
        ...axis,
        ...(axisIncrs(unit) ? { incrs: axisIncrs(unit) } : {}),
        // as wide as its longest label ("132.5k", "100.5%", "175 KiB/s"), measured at the axis font
        size: axisSize,
        // uPlot's default 30 px between labels leaves a short card with one label; ask for room
        // for three or more labels whatever the height (never closer than a line of text).
        space: (_u, _i, _min, _max, dim) => Math.max(MIN_LABEL_SPACE, Math.min(30, dim / 4)),
        values: (_u, splits, _i, _space, incr) => {
          const ref = splits.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          return splits.map((v) => formatTick(v, unit, incr, ref));
        },
      },
    ],
    series: [
      {},
      ...labels.map((label, i) => {
        const color = palette.series[(colors?.[i] ?? i) % palette.series.length] as string;
        return {
          label,
          show: !hidden?.[i],
          stroke: color,
          width: 1.5,
          // Outages are breaks: explicit gaps only, from `gaps` (joined series leave undefined,
          // which uPlot bridges).
          spanGaps: false,
          gaps,
          points: { show: false },
          ...(kind === "area" ? { fill: withAlpha(color, 0.18) } : {}),
          ...(kind === "bars" && bars ? { paths: bars, fill: withAlpha(color, 0.6) } : {}),
        };
      }),
    ],
  };
}
