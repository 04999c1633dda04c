// Metric card: the current reading (written straight into the DOM once per frame) over a view of
// the series chosen by the widget's `chart`: a time chart (line/bars/area; a counter as its rate),
// a stat with sparkline, a gauge, or for a histogram its percentiles over time, a heatmap or its
// value distribution. A card with nothing to draw says how to send data.

import type { LiveStore } from "@pulseboard/client/live";
import type { Metric, Widget } from "@pulseboard/protocol/rest";
import { useEffect, useMemo, useRef, useState } from "react";
import { thresholdPlugin } from "../charts/alert-thresholds.ts";
import { DistributionChart } from "../charts/DistributionChart.tsx";
import { HeatmapChart } from "../charts/HeatmapChart.tsx";
import { Sparkline } from "../charts/Sparkline.tsx";
import { type Derive, TimeChart } from "../charts/TimeChart.tsx";
import { thresholdColor, thresholdFor } from "../charts/thresholds.ts";
import { percentileBuckets, quantile, typicalInterval } from "../charts/transform.ts";
import { formatValue } from "../charts/units.ts";
import { type TimeWindow, xRange } from "../charts/window.ts";
import { noteMetricCardRender } from "../live/perf.ts";
import { useDashboardView, useLive } from "../pages/dashboard/context.ts";
import { AlertStatusBadge } from "./AlertStatusBadge.tsx";
import type { ChartView, WidgetProps } from "./types.ts";

/** The chart a widget draws when it names none. */
export function defaultChart(metric: Metric | undefined): NonNullable<Widget["chart"]> {
  return metric?.type === "histogram" ? "percentiles" : "line";
}

/** A percentile bucket is at least this many pixels wide, so each holds enough observations. */
const PERCENTILE_BUCKET_PX = 16;

const percentiles: Derive = (views, [from, to], width) => {
  const [xs, ys] = views[0] as [Float64Array, Float64Array];
  const p = percentileBuckets(xs, ys, from, to, Math.max(1, Math.floor(width / PERCENTILE_BUCKET_PX)));
  return [p.xs, p.p50, p.p95, p.p99];
};

export function MetricWidget({ widget }: WidgetProps) {
  noteMetricCardRender();
  const { store, alertStates: states } = useLive();
  const { metrics, window, theme, view } = useDashboardView();
  const metric = metrics.find((m) => m.id === widget.metric_id);
  const valueRef = useRef<HTMLSpanElement>(null);
  const unit = metric?.unit ?? "";
  const metricId = metric?.id;
  const plugins = useMemo(
    () => (metricId === undefined ? [] : [thresholdPlugin(states, metricId)]),
    [states, metricId],
  );
  const kind = widget.chart ?? defaultChart(metric);
  const rate = metric?.type === "counter" && widget.counter !== "total";
  const shownUnit = rate ? `${unit}/s` : unit;
  const windowRef = useRef(window);
  windowRef.current = window;
  const thresholdKey = JSON.stringify(widget.thresholds ?? []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: thresholds are compared by value
  useEffect(() => {
    if (!metric) return;
    const series = store.seriesFor(metric.id);
    let shown = "";
    const paint = () => {
      const el = valueRef.current;
      if (!el) return;
      const text =
        metric.type === "histogram"
          ? describePercentiles(store, metric.id, windowRef.current, unit)
          : formatValue(reading(series.ring.view(), rate), shownUnit);
      if (text === shown) return;
      shown = text;
      el.textContent = text;
      if (widget.thresholds?.length)
        el.style.color = thresholdColor(thresholdFor(reading(series.ring.view(), rate), widget.thresholds));
    };
    series.listeners.add(paint);
    paint();
    return () => {
      series.listeners.delete(paint);
    };
  }, [store, metric, unit, rate, shownUnit, thresholdKey]);

  if (!metric) return <p className="muted">This metric no longer exists.</p>;
  const label = `${widget.title || metric.name} ${describeWindow(window)}`;
  const big = kind === "stat" || kind === "gauge";
  return (
    <div className={`metric metric-${kind}`}>
      <div className={big ? "metric-head stat-head" : "metric-head"}>
        <span
          className={metric.type === "histogram" && !big ? "metric-value percentiles" : "metric-value"}
          ref={valueRef}
          data-testid={`value-${metric.id}`}
          aria-live="off"
        >
          –
        </span>
        <StaleBadge store={store} metricId={metric.id} live={window.kind === "live"} />
        <AlertStatusBadge states={states} metricId={metric.id} />
        {!big && <span className={`badge type-${metric.type}`}>{rate ? "rate" : metric.type}</span>}
      </div>
      <EmptyHint store={store} metric={metric} />
      {kind === "gauge" ? (
        <Gauge store={store} metric={metric} widget={widget} rate={rate} unit={shownUnit} />
      ) : kind === "stat" ? (
        <Sparkline store={store} metricId={metric.id} window={window} color="var(--series-1)" theme={theme} />
      ) : metric.type === "histogram" && kind === "heatmap" ? (
        <HeatmapChart
          store={store}
          metricId={metric.id}
          unit={unit}
          window={window}
          theme={theme}
          ariaLabel={`heatmap of ${label}`}
        />
      ) : metric.type === "histogram" && kind === "bars" ? (
        <DistributionChart
          store={store}
          metricId={metric.id}
          unit={unit}
          window={window}
          theme={theme}
          ariaLabel={`distribution of ${label}`}
        />
      ) : metric.type === "histogram" ? (
        <TimeChart
          store={store}
          metricIds={[metric.id]}
          labels={["p50", "p95", "p99"]}
          kind="line"
          unit={unit}
          window={window}
          theme={theme}
          ariaLabel={`percentiles of ${label}`}
          derive={percentiles}
          {...chartView(view)}
        />
      ) : (
        <TimeChart
          store={store}
          metricIds={[metric.id]}
          labels={[widget.title || metric.name]}
          kind={kind === "bars" || kind === "area" ? kind : "line"}
          unit={unit}
          rate={rate}
          window={window}
          theme={theme}
          ariaLabel={label}
          plugins={plugins}
          {...chartView(view)}
        />
      )}
    </div>
  );
}

/** The page's shared chart view (crosshair sync, zoom) as TimeChart props. */
export function chartView(view: ChartView) {
  return { syncKey: view.syncKey, onZoom: view.onZoom, onZoomOut: view.onZoomOut };
}

/** The newest value, or a counter's newest per-second rate (reset-aware). */
function reading([xs, ys]: [Float64Array, Float64Array], rate: boolean): number | undefined {
  const n = xs.length;
  if (n === 0) return undefined;
  if (!rate) return ys[n - 1];
  if (n < 2) return undefined;
  const dt = (xs[n - 1] as number) - (xs[n - 2] as number);
  const cur = ys[n - 1] as number;
  const prev = ys[n - 2] as number;
  return dt > 0 ? (cur >= prev ? cur - prev : cur) / dt : undefined;
}

/** "p50 12 ms · p95 40 ms · p99 88 ms" over the observations in the window. */
function describePercentiles(store: LiveStore, metricId: number, window: TimeWindow, unit: string): string {
  const [xs, ys] = store.seriesFor(metricId).ring.view();
  const [from, to] = xRange(window);
  const values: number[] = [];
  for (let i = 0; i < xs.length; i++)
    if ((xs[i] as number) >= from && (xs[i] as number) <= to) values.push(ys[i] as number);
  if (values.length === 0) return "–";
  values.sort((a, b) => a - b);
  return [0.5, 0.95, 0.99]
    .map((q) => `p${Math.round(q * 100)} ${formatValue(quantile(values, q), unit)}`)
    .join(" · ");
}

/** Data counts as late after this many of its usual intervals without a point (and at least 5 s). */
const STALE_INTERVALS = 3;
const STALE_MIN_S = 5;

/**
 * "late · 2 min" while a live series has had no point for longer than a few of its usual
 * intervals: the chart is not wrong, it is old. Checked every second, written to the DOM directly.
 */
function StaleBadge({ store, metricId, live }: { store: LiveStore; metricId: number; live: boolean }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => {
      const [xs] = store.seriesFor(metricId).ring.view();
      const last = xs[xs.length - 1];
      const limit = Math.max(STALE_MIN_S, typicalInterval(xs) * STALE_INTERVALS);
      const age = last === undefined ? 0 : Date.now() / 1000 - last;
      const stale = live && last !== undefined && age > limit;
      const text = stale
        ? `late · ${age >= 120 ? `${Math.round(age / 60)} min` : `${Math.round(age)} s`}`
        : "";
      if (el.hidden !== !stale) el.hidden = !stale;
      if (el.textContent !== text) el.textContent = text;
    };
    check();
    const timer = setInterval(check, 1000);
    return () => clearInterval(timer);
  }, [store, metricId, live]);
  return (
    <span
      ref={ref}
      className="badge stale"
      data-testid={`stale-${metricId}`}
      hidden
      title="No new data for longer than usual"
    />
  );
}

/** Whether the metric's series holds any point (re-checked once per frame with new points). */
function useHasData(store: LiveStore, metricId: number | undefined): boolean {
  const [has, setHas] = useState(() => metricId !== undefined && store.seriesFor(metricId).ring.length > 0);
  useEffect(() => {
    if (metricId === undefined) return;
    const series = store.seriesFor(metricId);
    const check = () => setHas(series.ring.length > 0);
    series.listeners.add(check);
    check();
    return () => {
      series.listeners.delete(check);
    };
  }, [store, metricId]);
  return has;
}

/** Shown while the card has nothing to draw; its own component, so the card never re-renders for it. */
function EmptyHint({ store, metric }: { store: LiveStore; metric: Metric }) {
  if (useHasData(store, metric.id)) return null;
  return (
    <p className="empty-hint muted" data-testid={`empty-${metric.id}`}>
      No data in this range. Send some with an API token:{" "}
      <code>
        POST /api/v1/ingest {"{"}"points":[{"{"}"metric_id":{metric.id},"value":1{"}"}]{"}"}
      </code>{" "}
      — <a href="/tokens">API tokens</a>
    </p>
  );
}

function Gauge({
  store,
  metric,
  widget,
  rate,
  unit,
}: {
  store: LiveStore;
  metric: Metric;
  widget: Widget;
  rate: boolean;
  unit: string;
}) {
  const arc = useRef<SVGPathElement>(null);
  const text = useRef<SVGTextElement>(null);
  const thresholdKey = JSON.stringify(widget.thresholds ?? []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: thresholds are compared by value
  useEffect(() => {
    const series = store.seriesFor(metric.id);
    let seenMax = 0;
    const paint = () => {
      const v = reading(series.ring.view(), rate);
      if (v === undefined) return;
      seenMax = Math.max(seenMax, v);
      const lo = widget.min ?? 0;
      const hi = widget.max ?? (metric.unit === "%" ? 100 : seenMax || 1);
      const f = Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1)));
      arc.current?.setAttribute("d", arcPath(f));
      arc.current?.setAttribute(
        "stroke",
        thresholdColor(thresholdFor(v, widget.thresholds)) === "var(--text)"
          ? "var(--series-1)"
          : thresholdColor(thresholdFor(v, widget.thresholds)),
      );
      if (text.current) text.current.textContent = formatValue(v, unit);
    };
    series.listeners.add(paint);
    paint();
    return () => {
      series.listeners.delete(paint);
    };
  }, [store, metric, rate, unit, widget.min, widget.max, thresholdKey]);
  return (
    <svg className="gauge" viewBox="0 0 120 70" role="img" aria-label={`gauge of ${metric.name}`}>
      <path d={arcPath(1)} stroke="var(--surface-2)" strokeWidth="10" fill="none" strokeLinecap="round" />
      <path
        ref={arc}
        d={arcPath(0)}
        stroke="var(--series-1)"
        strokeWidth="10"
        fill="none"
        strokeLinecap="round"
      />
      <text
        ref={text}
        x="60"
        y="62"
        textAnchor="middle"
        className="gauge-text"
        data-testid={`gauge-${metric.id}`}
      >
        –
      </text>
    </svg>
  );
}

/** A semicircle from the left, `f` (0..1) of the way round. */
function arcPath(f: number): string {
  const r = 50;
  const a = Math.PI * (1 - f);
  const x = 60 + r * Math.cos(a);
  const y = 60 - r * Math.sin(a);
  return `M 10 60 A ${r} ${r} 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`;
}

export function describeWindow(window: TimeWindow): string {
  if (window.kind === "fixed") return "in the chosen range";
  const s = window.seconds;
  return s >= 86_400
    ? `over the last ${s / 86_400} d`
    : s >= 3600
      ? `over the last ${s / 3600} h`
      : `over the last ${s / 60} min`;
}
