// The <option> lists of the UI's selects, read from the REST schemas' enums so a new role or
// chart kind appears here without a second list to keep in step.
import { alertCondition, chartKind, role } from "@pulseboard/client/rest";

export function ChartKindOptions() {
  return chartKind.options.map((kind) => (
    <option key={kind} value={kind}>
      {kind}
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
