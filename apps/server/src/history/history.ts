// Owns the history reads of the WebSocket side, through the read pool (never on the event loop):
// the newest N points of several metrics at once (`metric_history` on connect and subscribe) and
// points newer than a moment (timestamp `resume`, best effort).
import type { Metric } from "../db/schema.ts";
import type { Storage } from "../storage/index.ts";
import { NO_LABELS } from "../storage/series.ts";
import type { Columns } from "../storage/tasks.ts";

export type Value = { value: number; timestamp: string; offset?: number };

/**
 * The newest `limit` points of each metric, newest last, in one worker task; with `upTo`, only
 * points at or before that stream offset (a history complete up to a position).
 */
export async function recentValues(
  storage: Storage,
  metrics: Metric[],
  limit = 100,
  upTo?: number,
): Promise<Map<number, Value[]>> {
  const out = new Map<number, Value[]>();
  if (metrics.length === 0) return out;
  const ids = await storage.series.idsFor(metrics.map((m) => ({ metricId: m.id, labels: NO_LABELS })));
  const seriesIds = metrics.map((m) => ids.get(storage.series.keyOf(m.id, NO_LABELS))!);
  const values = await storage.reader.run<Value[][]>({ op: "recent", seriesIds, limit, upTo }, "waits");
  for (const [i, m] of metrics.entries()) out.set(m.id, values[i] ?? []);
  return out;
}

/**
 * Points after (since, tieOffset) in (timestamp, offset) order, at most `limit`: with the default
 * tie, everything stamped strictly after `since` (ms); with the last point of a page, the next page.
 */
export async function valuesSince(
  storage: Storage,
  metricId: number,
  since: number,
  limit = 10_000,
  tieOffset = Number.POSITIVE_INFINITY,
): Promise<Columns> {
  const seriesId = await storage.series.idFor(metricId);
  return storage.reader.run<Columns>({ op: "since", seriesId, since, tieOffset, limit }, "waits");
}
