// What part of time a chart shows: a live window ending now, or a fixed span (custom range /
// history playback).
export type TimeWindow = { kind: "live"; seconds: number } | { kind: "fixed"; from: number; to: number };

/** [min, max] in seconds for the x scale, or null to fit the data. */
export function xRange(window: TimeWindow): [number, number] {
  if (window.kind === "fixed") return [window.from / 1000, window.to / 1000];
  const now = Date.now() / 1000;
  return [now - window.seconds, now];
}
