// What every widget receives from the dashboard page.
import type { Metric, Widget } from "../api/types.ts";
import type { TimeWindow } from "../charts/window.ts";
import type { LiveStore } from "../live/store.ts";

export type WidgetProps = {
  widget: Widget;
  store: LiveStore;
  dashboardId: number;
  metrics: Metric[];
  window: TimeWindow;
  theme: string;
};

export function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  // Two decimals are what a reading needs; large numbers get thousands separators instead.
  const digits = abs >= 1000 || Number.isInteger(value) ? 0 : 2;
  const text = value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}
