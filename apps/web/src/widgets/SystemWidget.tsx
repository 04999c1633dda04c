// Host metrics from the built-in system collector: CPU and memory as bars, network in/out as one
// chart. Metrics are recognised by name, since the collector creates them on first sight.

import type { LiveStore } from "@pulseboard/client/live";
import type { Metric } from "@pulseboard/protocol/rest";
import { useEffect, useRef } from "react";
import { TimeChart } from "../charts/TimeChart.tsx";
import { useDashboardView, useLive } from "../pages/dashboard/context.ts";
import { formatValue, type WidgetProps } from "./types.ts";

export function findSystemMetrics(metrics: Metric[]) {
  // A labeled series (`cpu_percent{host="web-1"}`) is some host's, not this machine's.
  const find = (re: RegExp) => metrics.find((m) => m.labels === undefined && re.test(m.name));
  return {
    cpu: find(/cpu/i),
    memory: find(/mem/i),
    netIn: find(/^net(work)?_(in|rx|recv|receive)/i),
    netOut: find(/^net(work)?_(out|tx|sent|transmit)/i),
  };
}

export function SystemWidget(_: WidgetProps) {
  const { store } = useLive();
  const { metrics, window, theme } = useDashboardView();
  const { cpu, memory, netIn, netOut } = findSystemMetrics(metrics);
  const net = [netIn, netOut].filter((m): m is Metric => m !== undefined);
  if (!cpu && !memory && net.length === 0) {
    return <p className="muted">No system metrics yet. Start the server with PULSEBOARD_SYSTEM=1.</p>;
  }
  return (
    <div className="system">
      {cpu && <Bar store={store} metric={cpu} label="CPU" />}
      {memory && <Bar store={store} metric={memory} label="Memory" />}
      {net.length > 0 && (
        <div className="legend" aria-hidden="true">
          {net.map((m, i) => (
            <span key={m.id}>
              <span className={`swatch swatch-${i + 1}`} /> network {m === netIn ? "in" : "out"}
              {m.unit ? ` (${m.unit})` : ""}
            </span>
          ))}
        </div>
      )}
      {net.length > 0 && (
        <TimeChart
          store={store}
          metricIds={net.map((m) => m.id)}
          labels={net.map((m) => (m === netIn ? "in" : "out"))}
          kind="line"
          unit={net[0]?.unit ?? ""}
          window={window}
          theme={theme}
          ariaLabel="network in and out"
        />
      )}
    </div>
  );
}

function Bar({ store, metric, label }: { store: LiveStore; metric: Metric; label: string }) {
  const fill = useRef<HTMLDivElement>(null);
  const text = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const series = store.seriesFor(metric.id);
    const paint = () => {
      const v = series.ring.lastY();
      if (v === undefined) return;
      const pct = Math.max(0, Math.min(100, v));
      if (fill.current) fill.current.style.width = `${pct}%`;
      if (text.current) text.current.textContent = formatValue(v, metric.unit || "%");
    };
    series.listeners.add(paint);
    paint();
    return () => {
      series.listeners.delete(paint);
    };
  }, [store, metric]);
  return (
    <div className="bar-row">
      <span className="bar-label">{label}</span>
      <div className="bar" aria-hidden="true">
        <div className="bar-fill" ref={fill} />
      </div>
      <span className="bar-value" ref={text}>
        –
      </span>
    </div>
  );
}
