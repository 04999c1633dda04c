// Owns changing and deleting one stored rule as the REST API does it, for the single-rule routes
// and for every rule of a selector set alike: a change that makes it a different rule (or disables
// it) closes its open event on the evaluation queue first, and the evaluator forgets its cache.
import type { AlertRule, PatchRuleBody } from "./schema.ts";
import type { AlertService } from "./service.ts";
import { type AlertDb, deleteRule, getRule, updateRule } from "./store.ts";

const EVALUATED = ["condition", "threshold", "duration_s", "hysteresis", "no_data_s"] as const;

/** The rule after the change; undefined when it was deleted meanwhile. */
export async function changeRule(
  db: AlertDb,
  service: AlertService,
  rule: AlertRule,
  body: PatchRuleBody,
): Promise<AlertRule | undefined> {
  // A different rule from now on: its open event is closed (rather than left "firing: above 1"
  // next to the new rule's states), and it is evaluated afresh.
  const changed = EVALUATED.some((k) => body[k] !== undefined && body[k] !== rule[k]);
  const reason = body.enabled === false && rule.enabled ? "rule_disabled" : changed ? "rule_changed" : null;
  // On the evaluation queue, so no batch sees the new rule with the old state.
  if (reason) await service.supersede(rule.id, reason, { before: () => updateRule(db, rule.id, body) });
  const updated = reason ? await getRule(db, rule.id) : await updateRule(db, rule.id, body);
  service.ruleChanged(rule.metric_id, rule.id);
  return updated;
}

/** Whether the rule already has every value of the change (nothing to do). */
export function alreadyHas(rule: AlertRule, body: PatchRuleBody): boolean {
  return (Object.keys(body) as (keyof PatchRuleBody)[]).every((k) => body[k] === rule[k]);
}

export async function removeRule(db: AlertDb, service: AlertService, rule: AlertRule): Promise<void> {
  await service.supersede(rule.id, "rule_deleted", { after: () => deleteRule(db, rule.id) });
  service.ruleChanged(rule.metric_id, rule.id);
}
