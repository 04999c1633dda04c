// The metric widget type: one metric (MetricWidget), or many series chosen by a selector
// (`widget.series`, SeriesWidget). Two components, so neither holds the other's hooks.
import { MetricWidget } from "./MetricWidget.tsx";
import { SeriesWidget } from "./SeriesWidget.tsx";
import type { WidgetProps } from "./types.ts";

export function MetricPanel({ widget }: WidgetProps) {
  return widget.series !== undefined ? <SeriesWidget widget={widget} /> : <MetricWidget widget={widget} />;
}
