// Owns series identity and selection, shared by the server, the SDK and the UI: a series is a
// metric name plus a label set, keyed `name{a="1",b="2"}` (labels sorted, values escaped as in
// the Prometheus exposition format; an unlabeled metric is just `name`). The key is the metric's
// `name` everywhere a metric is named (REST, `dashboard_config`, `metric_update`), so clients that
// know nothing of labels still see one distinct metric per series; `family` and `labels` are the
// key read back. Selectors are PromQL's instant-vector selectors: `cpu{host=~"web-.*",core!="0"}`.
export type Labels = Readonly<Record<string, string>>;
export type Series = { family: string; labels: Labels };

const NEEDS_ESCAPE = /[\\"\n]/;

function escapeLabelValue(value: string): string {
  // Most values have nothing to escape: one test instead of three replaces.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The series key: `name{a="1",b="x\"y"}`, labels sorted by name; `name` without labels. */
export function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  const rendered = keys.map((k) => `${k}="${escapeLabelValue(labels[k] ?? "")}"`);
  return `${name}{${rendered.join(",")}}`;
}

const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;

/**
 * Reads `{a="1",b!~"x"}` from `text` at `at` (the opening brace): each label name, operator and
 * unescaped value; `null` when the text is not that form. `ops` lists the operators allowed.
 */
function readBraces(
  text: string,
  at: number,
  ops: readonly string[],
): Array<{ label: string; op: string; value: string }> | null {
  const out: Array<{ label: string; op: string; value: string }> = [];
  let i = at + 1;
  const skip = () => {
    while (text[i] === " ") i++;
  };
  skip();
  if (text[i] === "}") return i === text.length - 1 ? out : null;
  for (;;) {
    skip();
    LABEL_NAME.lastIndex = i;
    const m = LABEL_NAME.exec(text);
    if (!m) return null;
    const label = m[0];
    i += label.length;
    skip();
    const op = ops.find((o) => text.startsWith(o, i) && !(o === "=" && text[i + 1] === "~"));
    if (!op) return null;
    i += op.length;
    skip();
    if (text[i] !== '"') return null;
    i++;
    let value = "";
    for (;;) {
      const ch = text[i];
      if (ch === undefined) return null;
      if (ch === '"') break;
      if (ch === "\\") {
        const next = text[i + 1];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else return null;
        i += 2;
      } else {
        value += ch;
        i++;
      }
    }
    i++;
    out.push({ label, op, value });
    skip();
    if (text[i] === ",") {
      i++;
      skip();
      if (text[i] === "}") return i === text.length - 1 ? out : null;
      continue;
    }
    if (text[i] === "}") return i === text.length - 1 ? out : null;
    return null;
  }
}

const cache = new Map<string, Series>();
const NO_LABELS: Labels = Object.freeze({});

/**
 * A series key read back into its family and labels. A name that is not of the key form (no
 * braces, or braces that do not parse) is its own family with no labels. Remembered per key.
 */
export function parseSeriesKey(key: string): Series {
  const hit = cache.get(key);
  if (hit) return hit;
  const brace = key.indexOf("{");
  let series: Series = { family: key, labels: NO_LABELS };
  if (brace > 0 && key.endsWith("}")) {
    const parts = readBraces(key, brace, ["="]);
    if (parts)
      series = {
        family: key.slice(0, brace),
        labels: Object.freeze(Object.fromEntries(parts.map((p) => [p.label, p.value]))),
      };
  }
  if (cache.size >= 50_000) cache.clear();
  cache.set(key, series);
  return series;
}

/** The labels of a key, or undefined when it has none (what `metricInfo.labels` carries). */
export function labelsOfKey(key: string): Labels | undefined {
  const { labels } = parseSeriesKey(key);
  return Object.keys(labels).length > 0 ? labels : undefined;
}

// ---- selectors --------------------------------------------------------------------------------

export type MatchOp = "=" | "!=" | "=~" | "!~";
export type Matcher = { label: string; op: MatchOp; value: string; regex?: RegExp };
export type Selector = { family: string; matchers: Matcher[] };

export const MAX_SELECTOR_LENGTH = 2000;
const MAX_REGEX_LENGTH = 256;
const FAMILY = /^[^{}"]+$/;
// A quantified group that itself holds a quantifier ("(a+)+", "(x*)*", "(a|aa){2,}"): the shapes
// that backtrack exponentially in JavaScript's regex engine. Refused, as RE2 (PromQL's engine)
// would run them in linear time and we cannot.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{?]/;

export class SelectorError extends Error {}

/**
 * Parses `family`, `family{label="v",other=~"re.*"}` or `{__name__="family",…}`. Regexes are
 * anchored at both ends as in PromQL. Throws SelectorError with a message for the user.
 */
export function parseSelector(text: string): Selector {
  const src = text.trim();
  if (src.length === 0) throw new SelectorError("The selector is empty");
  if (src.length > MAX_SELECTOR_LENGTH)
    throw new SelectorError(`The selector is longer than ${MAX_SELECTOR_LENGTH} characters`);
  const brace = src.indexOf("{");
  let family = brace < 0 ? src : src.slice(0, brace).trim();
  const matchers: Matcher[] = [];
  if (brace >= 0) {
    const parts = readBraces(src, brace, ["=~", "!~", "!=", "="]);
    if (!parts) throw new SelectorError(`"${src.slice(0, 80)}" is not a selector like name{label="value"}`);
    for (const p of parts) {
      if (p.label === "__name__" && p.op === "=") {
        family = p.value;
        continue;
      }
      const matcher: Matcher = { label: p.label, op: p.op as MatchOp, value: p.value };
      if (p.op === "=~" || p.op === "!~") matcher.regex = compileRegex(p.value);
      matchers.push(matcher);
    }
  }
  if (!FAMILY.test(family)) throw new SelectorError(`"${family.slice(0, 80)}" is not a metric name`);
  return { family, matchers };
}

function compileRegex(source: string): RegExp {
  if (source.length > MAX_REGEX_LENGTH)
    throw new SelectorError(`A regular expression is longer than ${MAX_REGEX_LENGTH} characters`);
  if (NESTED_QUANTIFIER.test(source))
    throw new SelectorError(`The regular expression "${source}" nests quantifiers, which is not allowed`);
  try {
    return new RegExp(`^(?:${source})$`, "u");
  } catch {
    throw new SelectorError(`"${source}" is not a valid regular expression`);
  }
}

/** Whether a series (by its key) is selected: its family, and every matcher (a missing label is ""). */
export function selects(selector: Selector, key: string): boolean {
  const { family, labels } = parseSeriesKey(key);
  if (family !== selector.family) return false;
  for (const m of selector.matchers) {
    const v = labels[m.label] ?? "";
    const hit = m.regex ? m.regex.test(v) : v === m.value;
    if (hit !== (m.op === "=" || m.op === "=~")) return false;
  }
  return true;
}
