// Owns parsing InfluxDB line protocol (what Telegraf, the Influx clients and Grafana Live push)
// into samples: `measurement[,tag=v…] field=v[,field=v…] [timestamp]`, with every escaping rule
// (`\,` `\ ` in measurements; `\,` `\=` `\ ` in tag keys, tag values and field keys; `\"` `\\`
// in string fields; any other backslash is literal), comments and blank lines, and `precision`.
//
// Mapping, as Telegraf's Prometheus output does it: one sample per numeric field, named
// `measurement_field` (just `measurement` for a field called `value`), names and tag keys with
// characters Prometheus does not allow replaced by `_`; tags become labels; booleans 1/0;
// string fields cannot be charted and are skipped (counted). A syntax error anywhere refuses the
// whole request, answered with the line numbers.
//
// The scanner works on char codes and slices the line only where a token ends: it is the hot
// path of the benchmark's 300,000 points/s goal.
import { ValidationError, type ValidationIssue } from "../../http/errors.ts";
import type { Labels, Sample } from "./samples.ts";

export type Precision = "ns" | "us" | "ms" | "s" | "m" | "h";
const PRECISIONS: Record<string, Precision> = {
  n: "ns",
  ns: "ns",
  u: "us",
  us: "us",
  µ: "us",
  ms: "ms",
  s: "s",
  m: "m",
  h: "h",
};

export function parsePrecision(raw: string | undefined): Precision | undefined {
  if (raw === undefined || raw === "") return "ns";
  return Object.hasOwn(PRECISIONS, raw) ? PRECISIONS[raw] : undefined;
}

const BACKSLASH = 92;
const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const QUOTE = 34;
const HASH = 35;
const TAB = 9;
const CR = 13;

class LineError extends Error {}

type Token = { text: string; end: number };

/**
 * Reads from `pos` up to the first unescaped comma or space (and `=` when `stopEquals`). A
 * backslash escapes a comma, a space and (when `escapeEquals`) `=`; before any other character
 * it is a literal backslash.
 */
function token(line: string, pos: number, stopEquals: boolean, escapeEquals: boolean): Token {
  let i = pos;
  let text: string | undefined;
  let from = pos;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < n) {
      const next = line.charCodeAt(i + 1);
      if (next === COMMA || next === SPACE || (escapeEquals && next === EQUALS)) {
        text = (text ?? "") + line.slice(from, i);
        from = i + 1;
        i += 2;
        continue;
      }
    }
    if (c === COMMA || c === SPACE || (stopEquals && c === EQUALS)) break;
    i++;
  }
  const last = line.slice(from, i);
  return { text: text === undefined ? last : text + last, end: i };
}

/** Prometheus-style names: letters, digits, `_` and `:` (`_` only for label names). */
function sanitize(name: string, allowColon: boolean): string {
  let ok = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const valid =
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      c === 95 ||
      (allowColon && c === 58) ||
      (i > 0 && c >= 48 && c <= 57);
    if (!valid) {
      ok = false;
      break;
    }
  }
  if (ok) return name;
  const replaced = name.replace(allowColon ? /[^a-zA-Z0-9_:]/g : /[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

const FLOAT = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
const INTEGER = /^[-+]?[0-9]+$/;
const UNSIGNED = /^[0-9]+$/;

/** A field's value: a number, or undefined for a string field; throws on bad syntax. */
function fieldValue(raw: string): number | undefined {
  if (raw === "") throw new LineError("missing field value");
  const last = raw.charCodeAt(raw.length - 1);
  if (last === 105 /* i */) {
    const digits = raw.slice(0, -1);
    if (!INTEGER.test(digits)) throw new LineError(`invalid integer field value "${raw}"`);
    return Number(digits);
  }
  if (last === 117 /* u */) {
    const digits = raw.slice(0, -1);
    if (!UNSIGNED.test(digits)) throw new LineError(`invalid unsigned integer field value "${raw}"`);
    return Number(digits);
  }
  switch (raw) {
    case "t":
    case "T":
    case "true":
    case "True":
    case "TRUE":
      return 1;
    case "f":
    case "F":
    case "false":
    case "False":
    case "FALSE":
      return 0;
  }
  if (!FLOAT.test(raw)) throw new LineError(`invalid field value "${raw}"`);
  return Number(raw);
}

// Sub-millisecond precisions divide (an exact power of ten: 1700000000123000 / 1e3 is exactly
// ...123, where × 1e-3 can land on ...122.99998 and floor to the wrong millisecond).
const PER_MS: Record<Precision, number> = { ns: 1e6, us: 1e3, ms: 1, s: 1, m: 1, h: 1 };
const MS_PER: Record<Precision, number> = { ns: 1, us: 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function timestampMs(raw: string, precision: Precision): number {
  if (!INTEGER.test(raw)) throw new LineError(`invalid timestamp "${raw}"`);
  // Nanoseconds beyond 2^53 lose only sub-microsecond digits in a double: enough for ms.
  return Math.floor(Number(raw) / PER_MS[precision]) * MS_PER[precision];
}

type Parsed = { samples: Sample[]; strings: number };

function parseLine(line: string, precision: Precision, now: number, out: Parsed): void {
  // Measurement.
  let pos = 0;
  const m = token(line, pos, false, false);
  if (m.text === "") throw new LineError("missing measurement");
  pos = m.end;
  // Tags.
  const labels: Labels = {};
  while (pos < line.length && line.charCodeAt(pos) === COMMA) {
    const key = token(line, pos + 1, true, true);
    if (key.text === "") throw new LineError("missing tag key");
    if (line.charCodeAt(key.end) !== EQUALS) throw new LineError(`missing "=" after tag key "${key.text}"`);
    const value = token(line, key.end + 1, false, true);
    if (value.text === "") throw new LineError(`missing value of tag "${key.text}"`);
    labels[sanitize(key.text, false)] = value.text;
    pos = value.end;
  }
  if (pos >= line.length || line.charCodeAt(pos) !== SPACE)
    throw new LineError("missing fields (expected a space after the measurement and tags)");
  while (line.charCodeAt(pos) === SPACE) pos++;
  // Fields.
  const measurement = sanitize(m.text, true);
  const fields: Array<[string, number]> = [];
  for (;;) {
    const key = token(line, pos, true, true);
    if (key.text === "") throw new LineError("missing field key");
    if (line.charCodeAt(key.end) !== EQUALS) throw new LineError(`missing "=" after field key "${key.text}"`);
    pos = key.end + 1;
    if (line.charCodeAt(pos) === QUOTE) {
      // A string field: up to the closing unescaped quote.
      let i = pos + 1;
      for (; i < line.length; i++) {
        const c = line.charCodeAt(i);
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
      if (i >= line.length) throw new LineError(`unterminated string value of field "${key.text}"`);
      pos = i + 1;
      out.strings++;
    } else {
      let i = pos;
      while (i < line.length) {
        const c = line.charCodeAt(i);
        if (c === COMMA || c === SPACE) break;
        i++;
      }
      const value = fieldValue(line.slice(pos, i));
      if (value !== undefined) fields.push([key.text, value]);
      pos = i;
    }
    if (line.charCodeAt(pos) !== COMMA) break;
    pos++;
  }
  if (pos < line.length && line.charCodeAt(pos) !== SPACE)
    throw new LineError(`unexpected "${line[pos]}" after the fields`);
  // Timestamp.
  while (line.charCodeAt(pos) === SPACE) pos++;
  const rest = line.slice(pos).trimEnd();
  const timestamp = rest === "" ? now : timestampMs(rest, precision);
  for (const [field, value] of fields) {
    const name = field === "value" ? measurement : `${measurement}_${sanitize(field, true)}`;
    out.samples.push({ name, labels, value, timestamp });
  }
}

const MAX_DETAILS = 20;

/**
 * Parses a whole body; every bad line (up to 20) is reported as `loc: ["body", "line", n]`
 * (1-based) and nothing is returned when any line is bad.
 */
export function parseLineProtocol(
  text: string,
  precision: Precision,
  maxSamples: number,
  now = Date.now(),
): Parsed {
  const out: Parsed = { samples: [], strings: 0 };
  const details: ValidationIssue[] = [];
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
    // Leading whitespace is allowed; blank lines and comments are skipped.
    let first = 0;
    while (line.charCodeAt(first) === SPACE || line.charCodeAt(first) === TAB) first++;
    if (first === line.length || line.charCodeAt(first) === HASH) continue;
    if (first > 0) line = line.slice(first);
    try {
      parseLine(line, precision, now, out);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      details.push({
        type: "line_protocol",
        loc: ["body", "line", lineNo],
        msg: `line ${lineNo}: ${error.message}`,
      });
      if (details.length >= MAX_DETAILS) break;
    }
    if (out.samples.length > maxSamples) {
      details.push({
        type: "too_many_samples",
        loc: ["body"],
        msg: `more than ${maxSamples} points in one request`,
      });
      break;
    }
  }
  if (details.length > 0)
    throw new ValidationError(
      details,
      `Invalid line protocol (${details[0]?.msg}${details.length > 1 ? `, and ${details.length - 1} more` : ""}); nothing was stored`,
    );
  return out;
}
