// Owns alert rules by series selector (`cpu{host=~"web-.*"} above 90`): one rule per matching
// series, as Prometheus makes one alert instance per label set, so each series has its own state,
// events and acknowledgement. The selector stays on each rule of the set; a series created later
// that it matches gets a rule copied from the set's oldest one. The set ends with its last rule.
// A set is named by its oldest rule's id (no table of its own: the selector on its rules is the set).
import { parseSelector, selects } from "@pulseboard/protocol/series";
import { listMetrics } from "../dashboards/store.ts";
import type { Db, Metric } from "../db/schema.ts";
import type { AlertRule, CreateRuleBody } from "./schema.ts";
import { alertDb, insertRule, selectorRulesOf } from "./store.ts";

type RuleSettings = Omit<CreateRuleBody, "metric_id">;

/** What a set's rules share: the settings of its template, without the series and the ids. */
export function settingsOf(rule: AlertRule): RuleSettings {
  const { condition, threshold, duration_s, hysteresis, enabled, no_data_s } = rule;
  return { condition, threshold, duration_s, hysteresis, enabled, no_data_s };
}

/** The rules of a new selector set: one per series of the dashboard it matches now. */
export async function createSelectorRules(
  db: Db,
  dashboardId: number,
  selector: string,
  settings: RuleSettings,
): Promise<AlertRule[]> {
  const parsed = parseSelector(selector);
  const metrics = await listMetrics(db, dashboardId);
  const rules: AlertRule[] = [];
  for (const m of metrics)
    if (selects(parsed, m.name))
      rules.push(await insertRule(alertDb(db), dashboardId, { ...settings, metric_id: m.id, selector }));
  return rules;
}

/** A selector set as stored: its rules, oldest first (the first is the template and names the set). */
export type RuleSet = { id: number; selector: string; rules: AlertRule[] };

/** The dashboard's selector sets, oldest first. */
export async function ruleSetsOf(db: Db, dashboardId: number): Promise<RuleSet[]> {
  const sets = new Map<string, RuleSet>();
  for (const rule of await selectorRulesOf(alertDb(db), dashboardId)) {
    const selector = rule.selector!;
    const set = sets.get(selector);
    if (set) set.rules.push(rule);
    else sets.set(selector, { id: rule.id, selector, rules: [rule] });
  }
  return [...sets.values()];
}

/**
 * Series just created on a dashboard get the rules of every selector set that matches them (once:
 * a series that already has a rule of the set is skipped, as a concurrent creator may have made it).
 */
export async function rulesForNewSeries(
  db: Db,
  dashboardId: number,
  series: readonly Metric[],
): Promise<number> {
  if (series.length === 0) return 0;
  const adb = alertDb(db);
  const sets = await selectorRulesOf(adb, dashboardId);
  if (sets.length === 0) return 0;
  const oldest = new Map<string, AlertRule>();
  const has = new Set<string>();
  for (const r of sets) {
    if (!oldest.has(r.selector!)) oldest.set(r.selector!, r);
    has.add(`${r.selector}\u0000${r.metric_id}`);
  }
  let created = 0;
  for (const [selector, template] of oldest) {
    const parsed = parseSelector(selector);
    for (const m of series) {
      if (has.has(`${selector}\u0000${m.id}`) || !selects(parsed, m.name)) continue;
      await insertRule(adb, dashboardId, { ...settingsOf(template), metric_id: m.id, selector });
      created++;
    }
  }
  return created;
}
