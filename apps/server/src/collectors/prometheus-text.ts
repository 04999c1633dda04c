// Parser for the Prometheus text exposition format (version 0.0.4, the format node-exporter
// and most client libraries serve). Strict like Prometheus itself: one malformed line makes
// the whole body an ExpositionParseError naming the line, because a half-understood scrape
// (an HTML error page, a truncated body) is worse than a reported failure. Within the format
// it is liberal: CRLF endings, tabs, trailing commas in label sets, HELP/TYPE anywhere,
// unknown `#` comments, NaN/±Inf, optional timestamps and untyped metrics are all accepted.
import { ExpositionParseError } from "./errors.ts";

export type ExpositionSample = {
  /** Sample name as written, e.g. `http_duration_seconds_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Declared TYPE of the family, if any (`counter`, `gauge`, `histogram`, `summary`, `untyped`…). */
  type?: string;
  help?: string;
  timestampMs?: number;
  /** Family the sample belongs to: the name minus `_bucket`/`_sum`/`_count`… when TYPE says so. */
  family: string;
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped", "unknown", "gaugehistogram"]);
/** Suffixes a family of the given types adds to its sample names. */
const SUFFIXES: Array<[suffix: string, types: string[]]> = [
  ["_bucket", ["histogram", "gaugehistogram"]],
  ["_count", ["histogram", "summary"]],
  ["_sum", ["histogram", "summary"]],
  ["_gcount", ["gaugehistogram"]],
  ["_gsum", ["gaugehistogram"]],
  ["_created", ["histogram", "summary", "counter"]],
  ["_total", ["counter"]],
];

export function parsePrometheusText(text: string): ExpositionSample[] {
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const raw: Array<Omit<ExpositionSample, "type" | "help" | "family">> = [];

  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "");
    const fail = (reason: string): never => {
      throw new ExpositionParseError(i + 1, reason, line);
    };
    const body = line.replace(/^[ \t]+/, "");
    if (body === "") continue;
    if (body.startsWith("#")) {
      const m = /^#[ \t]*(HELP|TYPE)(?:[ \t]+(.*))?$/.exec(body);
      if (!m) continue; // a plain comment
      const rest = m[2] ?? "";
      const name = METRIC_NAME.exec(rest)?.[0];
      if (!name) fail(`${m[1]} without a valid metric name`);
      const after = rest.slice(name!.length);
      if (after !== "" && !/^[ \t]/.test(after)) fail(`invalid metric name in ${m[1]}`);
      const value = after.replace(/^[ \t]+/, "");
      if (m[1] === "HELP") {
        helps.set(name!, unescapeHelp(value));
      } else {
        const type = value.trim().toLowerCase();
        if (!TYPES.has(type)) fail(`unknown metric type ${JSON.stringify(value.trim())}`);
        types.set(name!, type);
      }
      continue;
    }
    raw.push(parseSample(body, fail));
  }

  return raw.map((sample) => {
    const family = familyOf(sample.name, types);
    const type = types.get(family);
    const help = helps.get(family) ?? helps.get(sample.name);
    return {
      ...sample,
      family,
      ...(type !== undefined ? { type } : {}),
      ...(help !== undefined ? { help } : {}),
    };
  });
}

function parseSample(
  body: string,
  fail: (reason: string) => never,
): Omit<ExpositionSample, "type" | "help" | "family"> {
  const name = METRIC_NAME.exec(body)?.[0];
  if (!name) fail("expected a metric name");
  let pos = name!.length;
  const skipBlanks = () => {
    while (body[pos] === " " || body[pos] === "\t") pos++;
  };
  const labels: Array<[string, string]> = [];
  const afterName = pos;
  skipBlanks();
  if (body[pos] !== "{") pos = afterName;
  else {
    pos++;
    const seen = new Set<string>();
    for (;;) {
      skipBlanks();
      if (body[pos] === "}") break;
      LABEL_NAME.lastIndex = pos;
      const labelName = LABEL_NAME.exec(body)?.[0];
      if (!labelName) fail("expected a label name or '}'");
      if (seen.has(labelName!)) fail(`duplicate label ${JSON.stringify(labelName)}`);
      seen.add(labelName!);
      pos += labelName!.length;
      skipBlanks();
      if (body[pos] !== "=") fail(`expected '=' after label ${JSON.stringify(labelName)}`);
      pos++;
      skipBlanks();
      if (body[pos] !== '"') fail(`expected '"' to open the value of label ${JSON.stringify(labelName)}`);
      pos++;
      let value = "";
      for (;;) {
        const c = body[pos];
        if (c === undefined) fail(`unterminated value of label ${JSON.stringify(labelName)}`);
        pos++;
        if (c === '"') break;
        if (c === "\\") {
          const next = body[pos];
          if (next === undefined) fail(`unterminated value of label ${JSON.stringify(labelName)}`);
          pos++;
          // Only \\, \" and \n are defined; other escapes are kept as written.
          value += next === "n" ? "\n" : next === "\\" || next === '"' ? next : `\\${next}`;
        } else {
          value += c;
        }
      }
      labels.push([labelName!, value]);
      skipBlanks();
      if (body[pos] === ",") {
        pos++;
        continue;
      }
      if (body[pos] !== "}") fail("expected ',' or '}' after a label value");
    }
    pos++; // the closing brace
  }
  const rest = body.slice(pos);
  if (rest !== "" && !/^[ \t]/.test(rest)) fail("expected whitespace before the value");
  const tokens = rest
    .trim()
    .split(/[ \t]+/)
    .filter(Boolean);
  if (tokens.length === 0) fail("missing value");
  if (tokens.length > 2) fail("unexpected text after the timestamp");
  const value = parseValue(tokens[0]!);
  if (value === undefined) fail(`invalid value ${JSON.stringify(tokens[0])}`);
  const sample: Omit<ExpositionSample, "type" | "help" | "family"> = {
    name: name!,
    // fromEntries defines own properties, so a label named __proto__ is kept, not swallowed.
    labels: Object.fromEntries(labels),
    value: value!,
  };
  if (tokens[1] !== undefined) {
    const ts = /^-?\d+$/.test(tokens[1]) ? Number(tokens[1]) : Number.NaN;
    if (!Number.isSafeInteger(ts)) fail(`invalid timestamp ${JSON.stringify(tokens[1])}`);
    sample.timestampMs = ts;
  }
  return sample;
}

function parseValue(token: string): number | undefined {
  if (FLOAT.test(token)) return Number(token);
  const word = token.toLowerCase();
  if (word === "nan") return Number.NaN;
  if (word === "inf" || word === "+inf" || word === "infinity" || word === "+infinity") return Infinity;
  if (word === "-inf" || word === "-infinity") return -Infinity;
  return undefined;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(.)/g, (whole, c: string) => (c === "n" ? "\n" : c === "\\" ? "\\" : whole));
}

function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  for (const [suffix, familyTypes] of SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (type !== undefined && familyTypes.includes(type)) return base;
  }
  return name;
}
