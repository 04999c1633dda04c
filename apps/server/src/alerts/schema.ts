// Owns the shapes of alerting data: the Zod schemas for rule input (REST bodies) and the
// types of rules and events as stored and as sent. Everything else infers from here.
import { z } from "zod";

export const alertCondition = z.enum(["above", "below"]);
export type AlertCondition = z.infer<typeof alertCondition>;

// A week is far beyond any sensible "must hold for" window; the cap keeps timers sane.
const MAX_DURATION_S = 7 * 24 * 3600;

const threshold = z.number().refine(Number.isFinite, "must be a finite number");

export const createRuleBody = z.strictObject({
  metric_id: z.number().int().positive(),
  condition: alertCondition,
  threshold,
  duration_s: z.number().int().min(0).max(MAX_DURATION_S).default(0),
  hysteresis: z.number().min(0).refine(Number.isFinite, "must be a finite number").default(0),
  enabled: z.boolean().default(true),
});
export type CreateRuleBody = z.infer<typeof createRuleBody>;

export const patchRuleBody = z
  .strictObject({
    condition: alertCondition,
    threshold,
    duration_s: z.number().int().min(0).max(MAX_DURATION_S),
    hysteresis: z.number().min(0).refine(Number.isFinite, "must be a finite number"),
    enabled: z.boolean(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, "at least one field is required");
export type PatchRuleBody = z.infer<typeof patchRuleBody>;

export interface AlertRule {
  id: number;
  dashboard_id: number;
  metric_id: number;
  condition: AlertCondition;
  threshold: number;
  duration_s: number;
  hysteresis: number;
  enabled: boolean;
}

export type AlertState = "firing" | "resolved";

/** An alert event as listed over REST (docs/API.md "Alerts"). */
export interface AlertEvent {
  id: number;
  rule_id: number;
  metric_id: number;
  state: AlertState;
  value: number;
  threshold: number;
  message: string;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: number | null;
}

/** The public form of a rule (REST answers); dashboard_id is implied by the URL. */
export function publicRule(rule: AlertRule) {
  const { id, metric_id, condition, threshold, duration_s, hysteresis, enabled } = rule;
  return { id, metric_id, condition, threshold, duration_s, hysteresis, enabled };
}

export function alertMessage(
  metricName: string,
  rule: Pick<AlertRule, "condition" | "threshold">,
  state: AlertState,
  value: number,
): string {
  // The message is for people: the value to 4 significant digits (the payload keeps it exact).
  const shown = Number(value.toPrecision(4));
  return state === "firing"
    ? `${metricName} is ${rule.condition} ${rule.threshold} (value ${shown})`
    : `${metricName} is back ${rule.condition === "above" ? "below" : "above"} ${rule.threshold} (value ${shown})`;
}
