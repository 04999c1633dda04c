// What every widget receives from the dashboard page.
import type { Alert } from "@pulseboard/client";
import type { Metric, Widget } from "@pulseboard/client/rest";
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

/**
 * What an alert says, written by the UI with the metric's unit and the same number format as the
 * metric card: "is above 23.5 °C (value 23.54 °C)". The server's `message` stays the exact record
 * (tooltip); the direction follows from value and threshold, as the rule semantics define it.
 */
export function describeAlert(alert: Pick<Alert, "state" | "value" | "threshold">, unit: string): string {
  const above = alert.value > alert.threshold;
  const where =
    alert.state === "firing" ? (above ? "is above" : "is below") : above ? "is back above" : "is back below";
  return `${where} ${formatValue(alert.threshold, unit)} (value ${formatValue(alert.value, unit)})`;
}
