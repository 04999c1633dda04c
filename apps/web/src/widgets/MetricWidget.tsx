// Metric card: current value and unit (written straight into the DOM once per frame) over a live
// chart — a line/area/bars time chart, or the value distribution for a histogram metric.
import { useEffect, useMemo, useRef } from "react";
import { DistributionChart } from "../charts/DistributionChart.tsx";
import { TimeChart } from "../charts/TimeChart.tsx";
import { thresholdPlugin } from "../charts/thresholds.ts";
import { alertStatesFor } from "../live/alert-states.ts";
import { noteMetricCardRender } from "../live/perf.ts";
import { AlertStatusBadge } from "./AlertStatusBadge.tsx";
import { formatValue, type WidgetProps } from "./types.ts";

export function MetricWidget({ widget, store, metrics, window, theme, dashboardId }: WidgetProps) {
  noteMetricCardRender();
  const metric = metrics.find((m) => m.id === widget.metric_id);
  const valueRef = useRef<HTMLSpanElement>(null);
  const unit = metric?.unit ?? "";
  const metricId = metric?.id;
  const states = alertStatesFor(store, dashboardId);
  const plugins = useMemo(
    () => (metricId === undefined ? [] : [thresholdPlugin(states, metricId)]),
    [states, metricId],
  );

  useEffect(() => {
    if (!metric) return;
    const series = store.seriesFor(metric.id);
    let shown: number | undefined;
    const paint = () => {
      const v = series.ring.lastY();
      if (v === shown || !valueRef.current) return;
      shown = v;
      valueRef.current.textContent = formatValue(v, unit);
    };
    series.listeners.add(paint);
    paint();
    return () => {
      series.listeners.delete(paint);
    };
  }, [store, metric, unit]);

  if (!metric) return <p className="muted">This metric no longer exists.</p>;
  const kind = widget.chart ?? (metric.type === "histogram" ? "bars" : "line");
  const label = `${metric.name} ${describeWindow(window)}`;
  return (
    <div className="metric">
      <div className="metric-head">
        <span className="metric-value" ref={valueRef} data-testid={`value-${metric.id}`} aria-live="off">
          –
        </span>
        <span className={`badge type-${metric.type}`}>{metric.type}</span>
        <AlertStatusBadge states={states} metricId={metric.id} />
      </div>
      {metric.type === "histogram" && kind === "bars" ? (
        <DistributionChart
          store={store}
          metricId={metric.id}
          unit={unit}
          window={window}
          theme={theme}
          ariaLabel={`distribution of ${label}`}
        />
      ) : (
        <TimeChart
          store={store}
          metricIds={[metric.id]}
          labels={[metric.name]}
          kind={kind}
          unit={unit}
          window={window}
          theme={theme}
          ariaLabel={label}
          plugins={plugins}
        />
      )}
    </div>
  );
}

export function describeWindow(window: WidgetProps["window"]): string {
  if (window.kind === "fixed") return "in the chosen range";
  const s = window.seconds;
  return s >= 3600 ? `over the last ${s / 3600} h` : `over the last ${s / 60} min`;
}
