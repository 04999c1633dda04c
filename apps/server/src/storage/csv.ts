// Owns writing export rows as CSV bytes in a read worker: `<prefix><ISO time>,<value>\r\n` per
// point, the exact text `${prefix}${isoTime(ts)},${value}\r\n` gives, straight into one Buffer
// whose memory moves to the event loop without a copy (a transferred ArrayBuffer). Building the
// same rows as strings and joining them spent about half of the worker's time in the garbage
// collector (2.6 M short strings per 30-day export) and left the event loop to encode the text
// again as UTF-8 when writing it to the socket.
import { isoTime } from "./iso.ts";

const DAY_MS = 86_400_000;
/** 10000-01-01: from there on toISOString writes six-digit years with a sign. */
const YEAR_10000 = 253_402_300_800_000;
/** Integers below this print as plain digits (String() switches to exponents at 1e21). */
const PLAIN_INTEGER = 1e15;
const ZERO = 0x30;
/** Decimals tried before String(): a try costs a multiply, a round and a divide. */
const DECIMALS = 4;
const POW10 = [1, 10, 100, 1000, 10_000];
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
/** The longest text of a timestamp (a six-digit year) and of a double (String(-1.2345e-7) …). */
const TIME_MAX = 27;
const VALUE_MAX = 32;

/** Rows are written here first (grown to the largest window, reused by every window after it). */
let scratch = new Uint8Array(0);

/** Writes an ASCII string's characters; returns the next position. */
function ascii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

/** Writes a non-negative integer below 2^53 in decimal; returns the next position. */
function digits(out: Uint8Array, at: number, n: number): number {
  let len = 1;
  for (let p = 10; p <= n; p *= 10) len++;
  let i = at + len;
  do {
    const q = Math.floor(n / 10);
    out[--i] = ZERO + (n - q * 10);
    n = q;
  } while (n > 0);
  return at + len;
}

function two(out: Uint8Array, at: number, n: number): void {
  const tens = (n / 10) | 0;
  out[at] = ZERO + tens;
  out[at + 1] = ZERO + (n - tens * 10);
}

/**
 * A value with at most DECIMALS decimals (what collectors send: 21.37 °C, 0.5 load) from digits:
 * when m / 10^k === v, the decimal m·10^-k is the double's nearest decimal of at most 15 digits,
 * and no other decimal that short reads back as the same double, so it is the shortest text that
 * round-trips, which is what String(v) writes. Other values take String(v).
 */
function decimal(out: Uint8Array, at: number, v: number): number {
  for (let k = 1; k <= DECIMALS; k++) {
    const p = POW10[k]!;
    const m = Math.round(v * p);
    if (m / p !== v || m >= PLAIN_INTEGER || m <= -PLAIN_INTEGER) continue;
    let a = m;
    if (a < 0) {
      out[at++] = 0x2d; // -
      a = -a;
    }
    const whole = Math.floor(a / p);
    at = digits(out, at, whole);
    out[at++] = 0x2e; // .
    // The k fraction digits, leading zeros kept (0.05); the last is not 0 (k is the smallest).
    let frac = a - whole * p;
    for (let i = at + k - 1; i >= at; i--) {
      const q = Math.floor(frac / 10);
      out[i] = ZERO + (frac - q * 10);
      frac = q;
    }
    return at + k;
  }
  return ascii(out, at, String(v));
}

/**
 * The CSV rows of points [0, n) of the columns, as `${prefix}${isoTime(t)},${v}\r\n` in UTF-8.
 * The Uint8Array owns its whole ArrayBuffer, so it can be transferred.
 */
export function csvRows(prefix: string, n: number, ts: Float64Array, values: Float64Array): Uint8Array {
  const head = Buffer.from(prefix, "utf8");
  const headLength = head.length;
  const bound = n * (headLength + TIME_MAX + VALUE_MAX + 3);
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2));
  const out = scratch;
  let at = 0;
  let dayStart = Number.NaN;
  const day = new Uint8Array(11);
  for (let i = 0; i < n; i++) {
    // Byte by byte: a prefix is a few dozen bytes, for which set() costs more than a loop.
    for (let j = 0; j < headLength; j++) out[at + j] = head[j]!;
    at += headLength;
    const ms = ts[i]!;
    if (ms >= 0 && ms < YEAR_10000 && Number.isInteger(ms)) {
      // YYYY-MM-DDT made once per UTC day; the time of day in small-integer arithmetic.
      let rest = ms - dayStart;
      if (!(rest >= 0 && rest < DAY_MS)) {
        rest = ms % DAY_MS;
        dayStart = ms - rest;
        ascii(day, 0, new Date(dayStart).toISOString().slice(0, 11));
      }
      for (let j = 0; j < 11; j++) out[at + j] = day[j]!;
      at += 11;
      const secs = (rest / 1000) | 0;
      const milli = rest - secs * 1000;
      const mins = (secs / 60) | 0;
      const hours = (mins / 60) | 0;
      two(out, at, hours);
      out[at + 2] = 0x3a; // :
      two(out, at + 3, mins - hours * 60);
      out[at + 5] = 0x3a;
      two(out, at + 6, secs - mins * 60);
      out[at + 8] = 0x2e; // .
      const hundreds = (milli / 100) | 0;
      out[at + 9] = ZERO + hundreds;
      two(out, at + 10, milli - hundreds * 100);
      out[at + 12] = 0x5a; // Z
      at += 13;
    } else at = ascii(out, at, isoTime(ms));
    out[at++] = COMMA;
    const v = values[i]!;
    // Whole numbers (counters, bytes) without a string; -0 prints as "0", as String() does.
    if (Number.isInteger(v) && v < PLAIN_INTEGER && v > -PLAIN_INTEGER) {
      if (v < 0) {
        out[at++] = 0x2d; // -
        at = digits(out, at, -v);
      } else at = digits(out, at, v === 0 ? 0 : v);
    } else at = decimal(out, at, v);
    out[at++] = CR;
    out[at++] = LF;
  }
  // Copied out at its exact size: what moves to the event loop counts as its external memory, and
  // V8 collects garbage there the more of it arrives (the upper bound is 1.5× the rows).
  return out.slice(0, at);
}
