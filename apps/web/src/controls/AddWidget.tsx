// Editor-only: add a widget of a type (and metric + chart kind for metric widgets).

import type { ChartKind, Metric, Widget, WidgetType } from "@pulseboard/protocol/rest";
import { type FormEvent, useState } from "react";
import { newWidgetId, WIDGETS } from "../widgets/catalog.ts";
import { ChartKindOptions } from "./options.tsx";

export function AddWidget({ metrics, onAdd }: { metrics: Metric[]; onAdd: (w: Widget) => void }) {
  const [type, setType] = useState<WidgetType>("metric");
  const [metricId, setMetricId] = useState<number | "">(metrics[0]?.id ?? "");
  const [chart, setChart] = useState<ChartKind>("line");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const spec = WIDGETS[type];
    const widget: Widget = { id: newWidgetId(), type, x: 0, y: 0, w: spec.w, h: spec.h };
    if (type === "metric") {
      if (metricId === "") return;
      widget.metric_id = metricId;
      widget.chart = chart;
    }
    onAdd(widget);
  };

  return (
    <form className="inline-form add-widget" onSubmit={submit} aria-label="Add widget">
      <label>
        Widget
        <select name="widget-type" value={type} onChange={(e) => setType(e.target.value as WidgetType)}>
          {Object.entries(WIDGETS).map(([key, spec]) => (
            <option key={key} value={key}>
              {spec.title}
            </option>
          ))}
        </select>
      </label>
      {type === "metric" && (
        <>
          <label>
            Metric
            <select
              name="widget-metric"
              value={metricId}
              onChange={(e) => setMetricId(Number(e.target.value))}
            >
              {metrics.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Chart
            <select name="widget-chart" value={chart} onChange={(e) => setChart(e.target.value as ChartKind)}>
              <ChartKindOptions />
            </select>
          </label>
        </>
      )}
      <button type="submit" className="primary">
        Add
      </button>
    </form>
  );
}
