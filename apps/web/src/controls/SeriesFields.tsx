// The fields of a series panel (add panel, and a series panel's own settings): the selector text
// with its parse error inline, the labels to group by (those the family's series carry) and the
// aggregate. Controlled: the caller keeps the values and decides when they are valid.
import type { Metric, Widget } from "@pulseboard/protocol/rest";
import { parseSelector, SelectorError } from "@pulseboard/protocol/series";
import { useId } from "react";
import { familyLabels } from "../charts/series-lines.ts";

export type SeriesChoice = {
  selector: string;
  groupBy: string[];
  aggregate: NonNullable<Widget["aggregate"]>;
};

const AGGREGATES: SeriesChoice["aggregate"][] = ["avg", "sum", "min", "max"];

/** The selector's parse error, or null when it parses (what the panel then draws). */
export function selectorError(text: string): string | null {
  try {
    parseSelector(text);
    return null;
  } catch (e) {
    if (e instanceof SelectorError) return e.message;
    throw e;
  }
}

/**
 * The family a selector names; while it does not parse (being typed), the name before its brace,
 * so the group-by choices do not come and go with every keystroke.
 */
function familyOf(text: string): string | undefined {
  try {
    return parseSelector(text).family;
  } catch {
    const name = text.split("{")[0]?.trim();
    return name ? name : undefined;
  }
}

export function SeriesFields({
  value,
  onChange,
  metrics,
}: {
  value: SeriesChoice;
  onChange: (next: SeriesChoice) => void;
  metrics: readonly Metric[];
}) {
  const errorId = useId();
  const error = selectorError(value.selector);
  const family = familyOf(value.selector);
  const labels = family === undefined ? [] : familyLabels(family, metrics);
  const toggle = (name: string, on: boolean) =>
    onChange({
      ...value,
      groupBy: on ? [...value.groupBy, name].sort() : value.groupBy.filter((n) => n !== name),
    });
  return (
    <>
      <label className="selector-field">
        Series
        <input
          name="widget-series"
          value={value.selector}
          spellCheck={false}
          placeholder='cpu{host=~"web-.*"}'
          aria-invalid={error !== null}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => onChange({ ...value, selector: e.target.value })}
        />
      </label>
      {error && (
        <span className="field-error" id={errorId} role="alert" data-testid="selector-error">
          {error}
        </span>
      )}
      {labels.length > 0 && (
        <fieldset className="group-by">
          <legend>Group by</legend>
          {labels.map((name) => (
            <label key={name} className="check">
              <input
                type="checkbox"
                name="widget-group-by"
                value={name}
                checked={value.groupBy.includes(name)}
                onChange={(e) => toggle(name, e.target.checked)}
              />
              {name}
            </label>
          ))}
        </fieldset>
      )}
      <label>
        Aggregate
        <select
          name="widget-aggregate"
          value={value.aggregate}
          disabled={value.groupBy.length === 0}
          title={
            value.groupBy.length === 0 ? "Pick labels to group by first" : "How a group's series combine"
          }
          onChange={(e) => onChange({ ...value, aggregate: e.target.value as SeriesChoice["aggregate"] })}
        >
          {AGGREGATES.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** The widget fields of a choice: group_by and aggregate only when grouping (avg is the default). */
export function seriesWidgetFields(choice: SeriesChoice): Pick<Widget, "series" | "group_by" | "aggregate"> {
  const fields: Pick<Widget, "series" | "group_by" | "aggregate"> = { series: choice.selector.trim() };
  if (choice.groupBy.length > 0) {
    fields.group_by = choice.groupBy;
    if (choice.aggregate !== "avg") fields.aggregate = choice.aggregate;
  }
  return fields;
}
