// The dashboard's time range and refresh interval, and how they are written in the URL so a view
// can be reloaded, bookmarked and shared: `?from=now-1h&to=now` (relative, live) or
// `?from=2026-12-01T08:00:00.000Z&to=2026-12-01T09:00:00.000Z` (absolute, e.g. after a zoom), and
// `&refresh=30s`. Absolute times are ISO-8601 in UTC on the wire and 24-hour local time on screen.

export type RangeChoice =
  | { kind: "relative"; seconds: number }
  | { kind: "absolute"; from: number; to: number };

export const QUICK_RANGES: { label: string; seconds: number }[] = [
  { label: "5m", seconds: 300 },
  { label: "15m", seconds: 900 },
  { label: "1h", seconds: 3600 },
  { label: "6h", seconds: 21_600 },
  { label: "24h", seconds: 86_400 },
  { label: "7d", seconds: 604_800 },
  { label: "30d", seconds: 2_592_000 },
];

export const DEFAULT_RANGE: RangeChoice = { kind: "relative", seconds: 300 };

/** Auto-refresh choices (seconds; 0 = off): a relative range re-reads its history this often. */
export const REFRESH_CHOICES = [0, 10, 30, 60, 300];

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "5m" → 300, "1h" → 3600; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})([smhdw])$/.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
  return seconds > 0 ? seconds : undefined;
}

/** 300 → "5m", 86400 → "24h" (as the quick ranges are labelled), 90 → "90s". */
export function formatDuration(seconds: number): string {
  const quick = QUICK_RANGES.find((r) => r.seconds === seconds);
  if (quick) return quick.label;
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ] as const)
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/** The range and refresh a URL's search string asks for; anything unreadable falls back to 5m. */
export function rangeFromSearch(search: string): { range: RangeChoice; refresh: number } {
  const p = new URLSearchParams(search);
  const from = p.get("from");
  const to = p.get("to") ?? "now";
  const refresh = parseDuration(p.get("refresh") ?? "") ?? 0;
  if (from?.startsWith("now-") && to === "now") {
    const seconds = parseDuration(from.slice(4));
    if (seconds) return { range: { kind: "relative", seconds }, refresh };
  }
  if (from && to !== "now") {
    const f = Date.parse(from);
    const t = Date.parse(to);
    if (Number.isFinite(f) && Number.isFinite(t) && f < t)
      return { range: { kind: "absolute", from: f, to: t }, refresh };
  }
  return { range: DEFAULT_RANGE, refresh };
}

/** `search` with the range and refresh written in (other parameters are kept). */
export function searchWithRange(search: string, range: RangeChoice, refresh: number): string {
  const p = new URLSearchParams(search);
  if (range.kind === "relative") {
    p.set("from", `now-${formatDuration(range.seconds)}`);
    p.set("to", "now");
  } else {
    p.set("from", new Date(range.from).toISOString());
    p.set("to", new Date(range.to).toISOString());
  }
  if (refresh > 0) p.set("refresh", formatDuration(refresh));
  else p.delete("refresh");
  const text = p.toString().replace(/%3A/g, ":");
  return text ? `?${text}` : "";
}

/** [from, to] in ms of a range at `now`. */
export function rangeBounds(range: RangeChoice, now = Date.now()): [number, number] {
  return range.kind === "absolute" ? [range.from, range.to] : [now - range.seconds * 1000, now];
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "2026-12-01 14:05:09" in local time: what the absolute picker shows and reads (24-hour, ISO order). */
export function toLocalIso(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** Reads "2026-12-01 14:05[:09]" (local) or a full ISO timestamp with zone; NaN otherwise. */
export function parseLocalIso(text: string): number {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (m) {
    const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
    if ((mo as number) < 1 || (mo as number) > 12 || (h as number) > 23 || (mi as number) > 59)
      return Number.NaN;
    return new Date(y as number, (mo as number) - 1, d, h, mi, Number.isNaN(s) ? 0 : s).getTime();
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(t)) return Date.parse(t);
  return Number.NaN;
}
