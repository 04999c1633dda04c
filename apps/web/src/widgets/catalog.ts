// Which component draws which widget type, its title, and the layout a dashboard gets before
// anyone has arranged it.

import type { Metric, Widget, WidgetType } from "@pulseboard/protocol/rest";
import { parseSeriesKey } from "@pulseboard/protocol/series";
import type { ComponentType } from "react";
import { AlertsWidget } from "./AlertsWidget.tsx";
import { ActivityWidget, ConnectionsWidget, CounterWidget } from "./LiveWidgets.tsx";
import { MetricPanel } from "./MetricPanel.tsx";
import { findSystemMetrics, SystemWidget } from "./SystemWidget.tsx";
import { TableWidget } from "./TableWidget.tsx";
import { TextWidget } from "./TextWidget.tsx";
import type { WidgetProps } from "./types.ts";

export const WIDGETS: Record<
  WidgetType,
  { title: string; component: ComponentType<WidgetProps>; w: number; h: number }
> = {
  metric: { title: "Metric", component: MetricPanel, w: 4, h: 4 },
  system: { title: "System", component: SystemWidget, w: 4, h: 5 },
  activity: { title: "Activity", component: ActivityWidget, w: 4, h: 5 },
  counter: { title: "Updates received", component: CounterWidget, w: 2, h: 2 },
  connections: { title: "Active connections", component: ConnectionsWidget, w: 2, h: 2 },
  alerts: { title: "Alerts", component: AlertsWidget, w: 4, h: 3 },
  table: { title: "Latest values", component: TableWidget, w: 4, h: 4 },
  text: { title: "Note", component: TextWidget, w: 4, h: 3 },
};

export function widgetTitle(widget: Widget, metrics: Metric[]): string {
  if (widget.title) return widget.title;
  if (widget.type === "metric") {
    if (widget.series !== undefined) return widget.series;
    const metric = metrics.find((m) => m.id === widget.metric_id);
    return metric ? metric.name : "Metric";
  }
  return WIDGETS[widget.type].title;
}

export function newWidgetId(): string {
  return `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export const COLS = 12;

/** Whether two grid rectangles overlap. */
function overlaps(a: Pick<Widget, "x" | "y" | "w" | "h">, b: Pick<Widget, "x" | "y" | "w" | "h">): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The first place (top to bottom, left to right) where a w×h widget fits without overlapping. */
export function firstFreeSlot(
  widgets: Widget[],
  w: number,
  h: number,
  cols = COLS,
): { x: number; y: number } {
  const width = Math.min(w, cols);
  const bottom = widgets.reduce((max, x) => Math.max(max, x.y + x.h), 0);
  for (let y = 0; y <= bottom; y++)
    for (let x = 0; x + width <= cols; x++) {
      const r = { x, y, w: width, h };
      if (!widgets.some((o) => overlaps(o, r))) return { x, y };
    }
  return { x: 0, y: bottom };
}

/**
 * The layout of a dashboard nobody has arranged: its data first (system charts, then one card per
 * metric or labeled family, in rows), then the alerts. Diagnostics of the connection live in the status bar, not here.
 */
export function defaultLayout(metrics: Metric[]): Widget[] {
  const widgets: Widget[] = [];
  const system = findSystemMetrics(metrics);
  const systemIds = new Set([system.cpu, system.memory, system.netIn, system.netOut].map((m) => m?.id));
  const place = (w: Widget) => {
    const at = firstFreeSlot(widgets, w.w, w.h);
    widgets.push({ ...w, ...at });
  };
  if (system.cpu || system.memory || system.netIn)
    place({ id: "system", type: "system", x: 0, y: 0, w: 4, h: 4 });
  // A labeled family (remote_write, OTLP, labeled ingest) is one panel of all its series, not a
  // card per host. The family's unlabeled metric (the template labeled JSON ingest needs) is in
  // that panel too (the selector `cpu` matches it; drawn once it has data), not a card of its own.
  const families = new Set(
    metrics.flatMap((m) => {
      const { family, labels } = parseSeriesKey(m.name);
      return Object.keys(labels).length > 0 ? [family] : [];
    }),
  );
  const placed = new Set<string>();
  for (const m of metrics) {
    if (systemIds.has(m.id)) continue;
    const { family } = parseSeriesKey(m.name);
    if (families.has(family)) {
      if (placed.has(family)) continue;
      placed.add(family);
      place({ id: `s-${family}`.slice(0, 100), type: "metric", series: family, x: 0, y: 0, w: 6, h: 5 });
      continue;
    }
    place({ id: `m${m.id}`, type: "metric", metric_id: m.id, x: 0, y: 0, w: 4, h: 4 });
  }
  place({ id: "alerts", type: "alerts", x: 0, y: 0, w: 12, h: 2 });
  return widgets;
}
