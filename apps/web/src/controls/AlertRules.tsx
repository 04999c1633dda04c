// The alert rules of one metric (docs/API.md "Alerts"): every member reads them; editors add,
// change, switch on/off and delete them. Numbers go to the server as typed — it is the validator,
// and what it refuses (an empty threshold, a negative duration) is shown beside that form as text.
import type { AlertRule, Metric } from "@pulseboard/protocol/rest";
import { useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { RULES_CHANGED_EVENT } from "../live/alert-feed.ts";
import { formatValue } from "../widgets/types.ts";
import { BLANK, draftOf, RuleForm, type Values } from "./RuleForm.tsx";

/** "above 23.5 °C for 2 s, hysteresis 0.5 °C", for readers who cannot change it. */
export function describeRule(
  rule: Pick<AlertRule, "condition" | "threshold" | "duration_s" | "hysteresis">,
  unit: string,
): string {
  const hold = rule.duration_s > 0 ? ` for ${rule.duration_s} s` : "";
  const band = rule.hysteresis > 0 ? `, hysteresis ${formatValue(rule.hysteresis, unit)}` : "";
  return `${rule.condition} ${formatValue(rule.threshold, unit)}${hold}${band}`;
}

export function AlertRules({
  dashboardId,
  metric,
  canEdit,
}: {
  dashboardId: number;
  metric: Metric;
  canEdit: boolean;
}) {
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.alertRules(dashboardId).then(
      (all) => !cancelled && setRules(all.filter((r) => r.metric_id === metric.id)),
      (e) => !cancelled && setFailure(describeError(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [dashboardId, metric.id]);

  const replace = (rule: AlertRule) =>
    setRules((list) => (list ?? []).map((r) => (r.id === rule.id ? rule : r)));
  // Threshold lines and states on the page follow a change at once.
  const changed = () => window.dispatchEvent(new Event(RULES_CHANGED_EVENT));
  const create = async (values: Values) => {
    const rule = await api.createAlertRule(dashboardId, { metric_id: metric.id, ...values });
    setRules((list) => [...(list ?? []), rule]);
    changed();
  };
  const update = async (id: number, values: Partial<Values>) => {
    replace(await api.patchAlertRule(id, values));
    changed();
  };
  const remove = async (id: number) => {
    await api.deleteAlertRule(id);
    setRules((list) => (list ?? []).filter((r) => r.id !== id));
    changed();
  };

  return (
    <section className="rules" aria-labelledby="alert-rules-title">
      <h3 id="alert-rules-title">Alert rules</h3>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      {rules === null && !failure && <p className="muted">Loading…</p>}
      {rules?.length === 0 && <p className="muted">No alert rules for this metric.</p>}
      {rules && rules.length > 0 && (
        <ul className="rule-list" data-testid="alert-rules">
          {rules.map((r) => (
            <li key={r.id} data-rule-id={r.id} className={r.enabled ? "" : "rule-off"}>
              {canEdit ? (
                <RuleForm
                  label={`Alert rule ${describeRule(r, metric.unit)}`}
                  initial={draftOf(r)}
                  unit={metric.unit}
                  submit="Save"
                  onSubmit={(values) => update(r.id, values)}
                  onToggle={(enabled) => update(r.id, { enabled })}
                  extra={(fail) => (
                    <button
                      type="button"
                      className="icon danger"
                      aria-label="Delete rule"
                      onClick={() => remove(r.id).catch(fail)}
                    >
                      ✕
                    </button>
                  )}
                />
              ) : (
                <span className="rule-text">
                  {describeRule(r, metric.unit)}{" "}
                  <span className="muted">{r.enabled ? "· enabled" : "· disabled"}</span>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <RuleForm
          label="New alert rule"
          initial={BLANK}
          unit={metric.unit}
          submit="Add rule"
          onSubmit={create}
          resetOnSuccess
          lead="New rule"
        />
      )}
    </section>
  );
}
