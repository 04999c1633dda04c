// Which component draws which widget type, its title, and the layout a dashboard gets before
// anyone has arranged it.

import type { Metric, Widget, WidgetType } from "@pulseboard/client/rest";
import type { ComponentType } from "react";
import { AlertsWidget } from "./AlertsWidget.tsx";
import { ActivityWidget, ConnectionsWidget, CounterWidget } from "./LiveWidgets.tsx";
import { MetricWidget } from "./MetricWidget.tsx";
import { findSystemMetrics, SystemWidget } from "./SystemWidget.tsx";
import type { WidgetProps } from "./types.ts";

export const WIDGETS: Record<
  WidgetType,
  { title: string; component: ComponentType<WidgetProps>; w: number; h: number }
> = {
  metric: { title: "Metric", component: MetricWidget, w: 4, h: 4 },
  system: { title: "System", component: SystemWidget, w: 4, h: 5 },
  activity: { title: "Activity", component: ActivityWidget, w: 4, h: 5 },
  counter: { title: "Updates received", component: CounterWidget, w: 2, h: 2 },
  connections: { title: "Active connections", component: ConnectionsWidget, w: 2, h: 2 },
  alerts: { title: "Alerts", component: AlertsWidget, w: 4, h: 3 },
};

export function widgetTitle(widget: Widget, metrics: Metric[]): string {
  if (widget.type === "metric") {
    const metric = metrics.find((m) => m.id === widget.metric_id);
    return metric ? metric.name : "Metric";
  }
  return WIDGETS[widget.type].title;
}

export function newWidgetId(): string {
  return `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

const COLS = 12;

export function defaultLayout(metrics: Metric[]): Widget[] {
  const widgets: Widget[] = [
    { id: "counter", type: "counter", x: 0, y: 0, w: 2, h: 2 },
    { id: "connections", type: "connections", x: 2, y: 0, w: 2, h: 2 },
    { id: "alerts", type: "alerts", x: 4, y: 0, w: 8, h: 2 },
  ];
  const system = findSystemMetrics(metrics);
  const systemIds = new Set([system.cpu, system.memory, system.netIn, system.netOut].map((m) => m?.id));
  let x = 0;
  let y = 2;
  const place = (w: Widget) => {
    if (x + w.w > COLS) {
      x = 0;
      y += 4;
    }
    w.x = x;
    w.y = y;
    x += w.w;
    widgets.push(w);
  };
  if (system.cpu || system.memory || system.netIn)
    place({ id: "system", type: "system", x: 0, y: 0, w: 4, h: 4 });
  for (const m of metrics) {
    if (systemIds.has(m.id)) continue;
    place({ id: `m${m.id}`, type: "metric", metric_id: m.id, x: 0, y: 0, w: 4, h: 4 });
  }
  place({ id: "activity", type: "activity", x: 0, y: 0, w: 4, h: 4 });
  return widgets;
}
