// One alert rule's settings as a sentence of fields ("above [23.5] °C for [2] s, hysteresis [0.5]
// · enabled"), shared by a metric's rules (AlertRules) and selector rule sets (RuleSets). Numbers go
// to the server as typed — it is the validator, and what it refuses is shown beside the form.
import type { AlertCondition, AlertRule } from "@pulseboard/protocol/rest";
import { type FormEvent, type ReactNode, useState } from "react";
import { ConditionOptions } from "./options.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";

export type Draft = {
  condition: AlertCondition;
  threshold: string;
  duration_s: string;
  hysteresis: string;
  no_data_s: string;
  enabled: boolean;
};
export type Values = Omit<AlertRule, "id" | "metric_id">;

export const BLANK: Draft = {
  condition: "above",
  threshold: "",
  duration_s: "0",
  hysteresis: "0",
  no_data_s: "0",
  enabled: true,
};

export const draftOf = (r: Values): Draft => ({
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

/**
 * One rule as a sentence of fields: "above [23.5] °C for [2] s, hysteresis [0.5] · enabled".
 * `onToggle` makes the checkbox act at once (a stored rule); without it the box is part of the form.
 */
export function RuleForm(props: {
  label: string;
  initial: Draft;
  unit: string;
  submit: string;
  onSubmit: (values: Values) => Promise<void>;
  onToggle?: (enabled: boolean) => Promise<void>;
  extra?: (fail: (e: unknown) => void) => ReactNode;
  resetOnSuccess?: boolean;
  lead?: string;
  /** fields before the rule's own (a rule set's family and selector) */
  before?: ReactNode;
  /** the form cannot be sent as it is (its own fields say why) */
  blocked?: boolean;
  /** the success text (default "Rule added." / "Saved.") */
  done?: string;
}) {
  const [draft, setDraft] = useState(props.initial);
  const { outcome, run, fail } = useOutcome();
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await run(
      () => props.onSubmit(valuesOf(draft)),
      props.done ?? (props.resetOnSuccess ? "Rule added." : "Saved."),
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
      {props.before}
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
      <button type="submit" className={props.resetOnSuccess ? "primary" : undefined} disabled={props.blocked}>
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
