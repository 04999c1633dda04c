// Owns formatting stored times as text: `Date#toISOString`'s exact output, faster. Exports,
// history answers and replays format one timestamp per point, and points of one answer mostly
// share their UTC day, so the day's text is made once and the time of day from lookup tables.
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const DAY_MS = 86_400_000;
/** 10000-01-01: from there on toISOString writes six-digit years with a sign. */
const YEAR_10000 = 253_402_300_800_000;

let dayStart = Number.NaN;
let dayText = "";

/** `new Date(ms).toISOString()` for whole ms from 1970 to 9999; other values take that path. */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const rest = ms % DAY_MS;
  const day = ms - rest;
  if (day !== dayStart) {
    dayStart = day;
    dayText = new Date(day).toISOString().slice(0, 11);
  }
  const milli = rest % 1000;
  const secs = (rest - milli) / 1000;
  const s = secs % 60;
  const mins = (secs - s) / 60;
  const m = mins % 60;
  return `${dayText}${TWO[(mins - m) / 60]}:${TWO[m]}:${TWO[s]}.${THREE[milli]}Z`;
}
