// One way to write a time of day everywhere in the UI (chart axes, activity feed, alerts panel):
// 24-hour "14:05" / "14:05:09" in the browser's time zone, so an axis label and a feed entry for
// the same moment read the same. Dates are added only when a chart spans days.
const minutes = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const seconds = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const days = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" });

/** "14:05:09" (or "14:05" without seconds) for a time in ms since the epoch. */
export function clockTime(ms: number, withSeconds = true): string {
  if (!Number.isFinite(ms)) return "–";
  return (withSeconds ? seconds : minutes).format(ms);
}

/** "24 Nov 14:05:09": a moment of a custom range, which may lie on another day. */
export function dateTime(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  return `${days.format(ms)} ${seconds.format(ms)}`;
}

/**
 * Labels for uPlot's time axis (`splits` in seconds): seconds shown only when ticks are less than a
 * minute apart, the date only when they are a day or more apart.
 */
export function timeAxisLabels(splits: number[], incrementSeconds: number): string[] {
  if (incrementSeconds >= 86_400) return splits.map((s) => days.format(s * 1000));
  const withSeconds = incrementSeconds < 60;
  return splits.map((s) => clockTime(s * 1000, withSeconds));
}
