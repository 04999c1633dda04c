// The alert rules of one metric (docs/API.md "Alerts"): every member reads them; editors add,
// change, switch on/off and delete them. Numbers go to the server as typed — it is the validator,
// and what it refuses (an empty threshold, a negative duration) is shown beside that form as text.
import type { AlertCondition, AlertRule, Metric } from "@pulseboard/protocol/rest";
import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { RULES_CHANGED_EVENT } from "../live/alert-feed.ts";
import { formatValue } from "../widgets/types.ts";
import { ConditionOptions } from "./options.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";

type Draft = {
  condition: AlertCondition;
  threshold: string;
  duration_s: string;
  hysteresis: string;
  no_data_s: string;
  enabled: boolean;
};
type Values = Omit<AlertRule, "id" | "metric_id">;

const BLANK: Draft = {
  condition: "above",
  threshold: "",
  duration_s: "0",
  hysteresis: "0",
  no_data_s: "0",
  enabled: true,
};

const draftOf = (r: AlertRule): Draft => ({
  condition: r.condition,
  threshold: String(r.threshold),
  duration_s: String(r.duration_s),
  hysteresis: String(r.hysteresis),
  no_data_s: String(r.no_data_s ?? 0),
  enabled: r.enabled,
});

// An empty field is no number at all: NaN, which JSON carries as null and the server refuses —
// rather than Number("") quietly turning it into 0.
const toNumber = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));

const valuesOf = (d: Draft): Values => ({
  condition: d.condition,
  threshold: toNumber(d.threshold),
  duration_s: toNumber(d.duration_s),
  hysteresis: toNumber(d.hysteresis),
  no_data_s: toNumber(d.no_data_s),
  enabled: d.enabled,
});

/** "above 23.5 °C for 2 s, hysteresis 0.5 °C", for readers who cannot change it. */
export function describeRule(rule: AlertRule, unit: string): string {
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

/**
 * One rule as a sentence of fields: "above [23.5] °C for [2] s, hysteresis [0.5] · enabled".
 * `onToggle` makes the checkbox act at once (a stored rule); without it the box is part of the form.
 */
function RuleForm(props: {
  label: string;
  initial: Draft;
  unit: string;
  submit: string;
  onSubmit: (values: Values) => Promise<void>;
  onToggle?: (enabled: boolean) => Promise<void>;
  extra?: (fail: (e: unknown) => void) => ReactNode;
  resetOnSuccess?: boolean;
  lead?: string;
}) {
  const [draft, setDraft] = useState(props.initial);
  const { outcome, run, fail } = useOutcome();
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await run(
      () => props.onSubmit(valuesOf(draft)),
      props.resetOnSuccess ? "Rule added." : "Saved.",
    );
    if (ok && props.resetOnSuccess) setDraft(props.initial);
  };
  const toggle = async (enabled: boolean) => {
    set({ enabled });
    const onToggle = props.onToggle;
    if (!onToggle) return;
    const ok = await run(() => onToggle(enabled), enabled ? "Enabled." : "Disabled.");
    if (!ok) set({ enabled: !enabled });
  };
  const unit = props.unit ? <span className="muted">{props.unit}</span> : null;

  return (
    // noValidate: the browser must not second-guess the server's bounds (its answer is shown).
    <form className="inline-form rule-form" aria-label={props.label} noValidate onSubmit={submit}>
      {props.lead && <span className="rule-lead">{props.lead}</span>}
      <select
        aria-label="Condition"
        value={draft.condition}
        onChange={(e) => set({ condition: e.target.value as AlertCondition })}
      >
        <ConditionOptions />
      </select>
      <NumberField
        label="Threshold"
        placeholder="value"
        value={draft.threshold}
        onChange={(threshold) => set({ threshold })}
      />
      {unit}
      <span className="muted">for</span>
      <NumberField
        label="Duration in seconds"
        short
        value={draft.duration_s}
        onChange={(duration_s) => set({ duration_s })}
      />
      <span className="muted">s, hysteresis</span>
      <NumberField
        label="Hysteresis"
        short
        value={draft.hysteresis}
        onChange={(hysteresis) => set({ hysteresis })}
      />
      <span className="muted">, no data after</span>
      <NumberField
        label="No data after seconds"
        short
        value={draft.no_data_s}
        onChange={(no_data_s) => set({ no_data_s })}
      />
      <span className="muted">s</span>
      <label>
        <input type="checkbox" checked={draft.enabled} onChange={(e) => void toggle(e.target.checked)} />
        Enabled
      </label>
      <button type="submit" className={props.resetOnSuccess ? "primary" : undefined}>
        {props.submit}
      </button>
      {props.extra?.(fail)}
      <OutcomeText outcome={outcome} inline />
    </form>
  );
}

/** A number typed as text: the form keeps what was typed and the server judges it. */
function NumberField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  short?: boolean;
  placeholder?: string;
}) {
  return (
    <input
      aria-label={props.label}
      type="number"
      step="any"
      className={props.short ? "number short" : "number"}
      placeholder={props.placeholder}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}
