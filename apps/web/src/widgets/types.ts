// What every widget receives from the dashboard page: its own definition. The rest (the live store,
// metrics, time window, theme, chart view) it reads from the page's contexts (pages/dashboard/context.ts).
import type { Alert } from "@pulseboard/client";
import type { Widget } from "@pulseboard/protocol/rest";
import { formatValue } from "../charts/units.ts";

/** What the charts of one dashboard share: the crosshair, and zooming the page's range. */
export type ChartView = {
  syncKey: string;
  onZoom: (from: number, to: number) => void;
  onZoomOut: () => void;
};

export type WidgetProps = { widget: Widget };

export { formatValue };

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
