// Owns the server's side of alerting shapes: the REST bodies of @pulseboard/protocol/rest with the
// server's defaults applied, and the stored rule (the public rule plus its dashboard). The public
// shapes themselves (bounds included) are defined once in @pulseboard/protocol/rest.
import {
  type AlertCondition,
  type AlertEvent,
  type AlertReason,
  type AlertState,
  type AlertStatus,
  createAlertRuleRequest,
  type AlertRule as PublicAlertRule,
  patchAlertRuleBody,
} from "@pulseboard/protocol/rest";
import type { z } from "zod";

export type { AlertCondition, AlertEvent, AlertReason, AlertState, AlertStatus };

/** What a client may leave out gets the documented defaults (docs/API.md "Alerts"). */
export const createRuleBody = createAlertRuleRequest;
export type CreateRuleBody = z.infer<typeof createRuleBody>;

export const patchRuleBody = patchAlertRuleBody;
export type PatchRuleBody = z.infer<typeof patchRuleBody>;

/** A rule as stored: the public rule and the dashboard it belongs to. */
export type AlertRule = PublicAlertRule & { dashboard_id: number; created_at: number };

/** The public form of a rule (REST answers); dashboard_id is implied by the URL. */
export function publicRule(rule: AlertRule): PublicAlertRule {
  const { id, metric_id, condition, threshold, duration_s, hysteresis, enabled, no_data_s, selector } = rule;
  return {
    id,
    metric_id,
    condition,
    threshold,
    duration_s,
    hysteresis,
    enabled,
    no_data_s,
    ...(selector ? { selector } : {}),
  };
}

export function alertMessage(
  metricName: string,
  rule: Pick<AlertRule, "condition" | "threshold" | "no_data_s">,
  state: AlertState,
  value: number,
  reason: AlertReason = "threshold",
): string {
  switch (reason) {
    case "no_data":
      return `${metricName} has sent no data for ${rule.no_data_s} s`;
    case "data_returned":
      return `${metricName} is sending data again`;
    case "rule_changed":
      return `${metricName}: the rule was changed (now ${rule.condition} ${rule.threshold}); this alert is closed`;
    case "rule_disabled":
      return `${metricName}: the rule was disabled; this alert is closed`;
    case "rule_deleted":
      return `${metricName}: the rule was deleted; this alert is closed`;
    default:
  }
  // The message is for people: the value to 4 significant digits (the payload keeps it exact).
  const shown = Number(value.toPrecision(4));
  return state === "firing"
    ? `${metricName} is ${rule.condition} ${rule.threshold} (value ${shown})`
    : `${metricName} is back ${rule.condition === "above" ? "below" : "above"} ${rule.threshold} (value ${shown})`;
}
