// The <option> lists of the UI's selects, read from the REST schemas' enums so a new role or
// chart kind appears here without a second list to keep in step.
import { alertCondition, chartKind, role } from "@pulseboard/protocol/rest";

/** Kinds that draw any metric, and those that only make sense for a histogram's observations. */
const HISTOGRAM_ONLY = new Set(["percentiles", "heatmap"]);
const LABELS: Record<string, string> = { bars: "bars", percentiles: "percentiles (p50/p95/p99)" };

/** What a series panel draws: lines over time (one number per panel makes no sense of fifty series). */
const OVER_TIME = new Set(["line", "bars", "area"]);

export function ChartKindOptions({
  histogram = false,
  lines = false,
}: {
  histogram?: boolean;
  lines?: boolean;
}) {
  return chartKind.options
    .filter((kind) => (lines ? OVER_TIME.has(kind) : histogram || !HISTOGRAM_ONLY.has(kind)))
    .map((kind) => (
      <option key={kind} value={kind}>
        {histogram && kind === "bars" ? "distribution" : (LABELS[kind] ?? kind)}
      </option>
    ));
}

export function RoleOptions() {
  return role.options.map((r) => (
    <option key={r} value={r}>
      {r}
    </option>
  ));
}

export function ConditionOptions() {
  return alertCondition.options.map((c) => (
    <option key={c} value={c}>
      {c}
    </option>
  ));
}
