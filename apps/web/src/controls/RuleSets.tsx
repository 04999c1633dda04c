// A dashboard's alert rule sets by selector (docs/API.md "Labeled series"): one rule per series a
// selector matches, now and for each matching series created later. Every member sees the sets with
// their number of series; editors make one from a family and label matchers (the selector's parse
// error inline, as in the series panel editor, with how many series it matches now), change a set
// as a whole (every rule of it, and the rules later series get) and delete it after a confirmation.
import type { AlertRuleSet, Metric } from "@pulseboard/protocol/rest";
import { parseSelector, selects } from "@pulseboard/protocol/series";
import { useCallback, useEffect, useId, useMemo, useState } from "react";
import { api } from "../api/http.ts";
import { selectorUnit } from "../charts/series-lines.ts";
import { RULES_CHANGED_EVENT } from "../live/alert-feed.ts";
import { describeRule } from "./AlertRules.tsx";
import { DeleteButton } from "./DeleteButton.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";
import { Panel } from "./Panel.tsx";
import { BLANK, draftOf, RuleForm, type Values } from "./RuleForm.tsx";
import { selectorError } from "./SeriesFields.tsx";

// Threshold lines and states on the page follow a change at once.
const announce = () => window.dispatchEvent(new Event(RULES_CHANGED_EVENT));

export function RuleSetsPanel(props: {
  dashboardId: number;
  metrics: readonly Metric[];
  canEdit: boolean;
  onClose: () => void;
}) {
  const { dashboardId, metrics, canEdit } = props;
  const [sets, setSets] = useState<AlertRuleSet[] | null>(null);
  const { outcome, run, fail } = useOutcome();
  const reload = useCallback(() => api.alertRuleSets(dashboardId).then(setSets, fail), [dashboardId, fail]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const update = async (set: AlertRuleSet, values: Partial<Values>) => {
    const next = await api.patchAlertRuleSet(dashboardId, set.id, values);
    setSets((list) => (list ?? []).map((s) => (s.id === next.id ? next : s)));
    announce();
  };
  const remove = (set: AlertRuleSet) =>
    run(async () => {
      await api.deleteAlertRuleSet(dashboardId, set.id);
      setSets((list) => (list ?? []).filter((s) => s.id !== set.id));
      announce();
    }, `Deleted the rules of ${set.selector}.`);

  return (
    <Panel
      title="Alert rule sets"
      closeLabel="Close alert rule sets"
      onClose={props.onClose}
      testId="rule-sets-panel"
      className="rule-sets-panel"
    >
      <p className="muted">
        One alert rule per series a selector matches, each with its own state; a matching series created later
        gets its rule at once.
      </p>
      <OutcomeText outcome={outcome} />
      {sets === null && <p className="muted">Loading…</p>}
      {sets?.length === 0 && <p className="muted">No rule sets on this dashboard.</p>}
      {sets && sets.length > 0 && (
        <ul className="rule-list rule-sets" data-testid="rule-sets">
          {sets.map((set) => {
            const unit = selectorUnit(set.selector, metrics);
            return (
              <li key={set.id} data-set-id={set.id} className={set.enabled ? "" : "rule-off"}>
                <div className="rule-set-head">
                  <code className="selector">{set.selector}</code>
                  <span className="badge" data-testid="set-series">
                    {set.series} series
                  </span>
                  {canEdit && (
                    <DeleteButton
                      label="Delete set…"
                      onDelete={() => remove(set)}
                      question={
                        <>
                          Delete the {set.series} rule{set.series === 1 ? "" : "s"} of{" "}
                          <code>{set.selector}</code> with their alerts? New series will get none.
                        </>
                      }
                    />
                  )}
                </div>
                {canEdit ? (
                  <RuleForm
                    key={`${set.id}:${set.series}`}
                    label={`Rule set ${set.selector}`}
                    initial={draftOf(set)}
                    unit={unit}
                    submit="Save"
                    done={`Saved for ${set.series} series.`}
                    onSubmit={(values) => update(set, values)}
                    onToggle={(enabled) => update(set, { enabled })}
                  />
                ) : (
                  <span className="rule-text">
                    {describeRule(set, unit)}{" "}
                    <span className="muted">{set.enabled ? "· enabled" : "· disabled"}</span>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {canEdit && <NewRuleSet dashboardId={dashboardId} metrics={metrics} onCreated={reload} />}
    </Panel>
  );
}

/** The families of the dashboard's labeled series, sorted. */
function familiesOf(metrics: readonly Metric[]): string[] {
  return [...new Set(metrics.flatMap((m) => (m.family ? [m.family] : [])))].sort();
}

function NewRuleSet(props: {
  dashboardId: number;
  metrics: readonly Metric[];
  onCreated: () => Promise<void>;
}) {
  const families = useMemo(() => familiesOf(props.metrics), [props.metrics]);
  const [family, setFamily] = useState(families[0] ?? "");
  const [matchers, setMatchers] = useState("");
  const errorId = useId();
  const selector = `${family}${matchers.trim()}`;
  const error = family ? selectorError(selector) : "Pick a family of labeled series";
  const matching = useMemo(() => {
    if (error) return null;
    const parsed = parseSelector(selector);
    return props.metrics.filter((m) => selects(parsed, m.name)).length;
  }, [error, selector, props.metrics]);

  if (families.length === 0)
    return (
      <p className="muted" data-testid="no-families">
        No labeled series yet: points with labels create them, and then a rule set can follow them.
      </p>
    );
  const create = async (values: Values) => {
    const answer = await api.createSelectorRules(props.dashboardId, { selector, ...values });
    if (answer.rules.length === 0)
      throw new Error(`No series match ${selector} now, so no rule set was made (a set lives on its rules).`);
    setMatchers("");
    await props.onCreated();
    announce();
  };
  return (
    <RuleForm
      label="New alert rule set"
      initial={BLANK}
      unit={selectorUnit(family, props.metrics)}
      submit="Add rule set"
      done="Rule set added."
      lead="New set"
      resetOnSuccess
      blocked={error !== null}
      onSubmit={create}
      before={
        <>
          <select
            aria-label="Family"
            name="set-family"
            value={family}
            onChange={(e) => setFamily(e.target.value)}
          >
            {families.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
          <input
            aria-label="Label matchers"
            name="set-matchers"
            className="matchers"
            spellCheck={false}
            placeholder='{host=~"web-.*"}'
            value={matchers}
            aria-invalid={error !== null}
            aria-describedby={errorId}
            onChange={(e) => setMatchers(e.target.value)}
          />
          {error ? (
            <span className="field-error" id={errorId} role="alert" data-testid="selector-error">
              {error}
            </span>
          ) : (
            <span className="muted" id={errorId} data-testid="selector-matches">
              matches {matching} series now
            </span>
          )}
          <span className="rule-break" aria-hidden="true" />
        </>
      }
    />
  );
}
