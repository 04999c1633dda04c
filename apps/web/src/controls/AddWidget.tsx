// Editor-only: add a widget of a type; for a metric widget its source — one metric, or the series
// of a labeled family (a series panel: selector, group by, aggregate) — and its chart kind.

import type { ChartKind, Metric, Widget, WidgetType } from "@pulseboard/protocol/rest";
import { parseSeriesKey } from "@pulseboard/protocol/series";
import { type FormEvent, useMemo, useState } from "react";
import { labeledFamilies } from "../charts/series-lines.ts";
import { newWidgetId, WIDGETS } from "../widgets/catalog.ts";
import { ChartKindOptions } from "./options.tsx";
import { type SeriesChoice, SeriesFields, selectorError, seriesWidgetFields } from "./SeriesFields.tsx";

export function AddWidget({ metrics, onAdd }: { metrics: Metric[]; onAdd: (w: Widget) => void }) {
  // The labeled series of a family are offered as the family (one panel), not one by one.
  const plain = useMemo(
    () => metrics.filter((m) => Object.keys(parseSeriesKey(m.name).labels).length === 0),
    [metrics],
  );
  const families = useMemo(() => labeledFamilies(metrics), [metrics]);
  const [type, setType] = useState<WidgetType>("metric");
  // "m<id>": one metric; "f<family>": a series panel of the family
  const [source, setSource] = useState<string>(() =>
    plain[0] ? `m${plain[0].id}` : families[0] ? `f${families[0].family}` : "",
  );
  const [chart, setChart] = useState<ChartKind>("line");
  const [series, setSeries] = useState<SeriesChoice>(() => ({
    selector: families[0] && !plain[0] ? families[0].family : "",
    groupBy: [],
    aggregate: "avg",
  }));
  const isSeries = type === "metric" && source.startsWith("f");
  const invalid = isSeries && selectorError(series.selector) !== null;

  const pick = (next: string) => {
    setSource(next);
    if (next.startsWith("f")) {
      setSeries({ selector: next.slice(1), groupBy: [], aggregate: "avg" });
      if (chart !== "line" && chart !== "bars" && chart !== "area") setChart("line");
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const spec = WIDGETS[type];
    const widget: Widget = { id: newWidgetId(), type, x: 0, y: 0, w: spec.w, h: spec.h };
    if (type === "metric") {
      if (source === "") return;
      widget.chart = chart;
      if (isSeries) {
        if (invalid) return;
        Object.assign(widget, seriesWidgetFields(series), { w: 6, h: 5 });
      } else widget.metric_id = Number(source.slice(1));
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
            <select name="widget-metric" value={source} onChange={(e) => pick(e.target.value)}>
              {plain.map((m) => (
                <option key={m.id} value={`m${m.id}`}>
                  {m.name}
                </option>
              ))}
              {families.length > 0 && (
                <optgroup label="Labeled series (one line each)">
                  {families.map((f) => (
                    <option key={f.family} value={`f${f.family}`}>
                      {f.family} ({f.count} series)
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          {isSeries && <SeriesFields value={series} onChange={setSeries} metrics={metrics} />}
          <label>
            Chart
            <select name="widget-chart" value={chart} onChange={(e) => setChart(e.target.value as ChartKind)}>
              <ChartKindOptions lines={isSeries} />
            </select>
          </label>
        </>
      )}
      <button type="submit" className="primary" disabled={invalid}>
        Add
      </button>
    </form>
  );
}
