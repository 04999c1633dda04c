// Owns the recent history a connection receives on connect (`metric_history`), kept in memory so
// a handshake queries no database in the steady state. Each metric's newest points are filled once
// from storage (`recentValues`, one read-worker call for all the metrics a handshake misses) and
// then kept current by the live points its dashboard's group
// delivers to this node (handshake-cache.ts feeds them), so what it answers is what storage holds.
//
// Behind a small interface on purpose: only `fill` touches storage (its read workers). A point that arrives while a fill is in flight is merged into the fill's answer, so
// nothing committed around the read is lost; entries older than `maxAgeMs` are filled again (a
// bound on what a lost feed — e.g. a Redis outage — can leave stale).
import type { Metric } from "../db/schema.ts";
import { recentValues, type Value } from "../history/history.ts";
import type { Storage } from "../storage/index.ts";

export interface RecentHistory {
  /** Per metric, its newest `n` points, oldest first (memory, or one storage read for the misses). */
  recent(dashboardId: number, metrics: Metric[], n: number): Promise<Map<number, Value[]>>;
  /** A point committed and fanned out (arrives in commit order per metric). */
  observe(dashboardId: number, metricId: number, point: Value): void;
  /** The feed of this dashboard stopped (or the metric was deleted): forget what it kept current. */
  forgetDashboard(dashboardId: number): void;
  forgetMetric(metricId: number): void;
}

type Entry = {
  dashboardId: number;
  /** Oldest first, at most `capacity`. */
  values: Value[];
  /** Points observed while the fill was in flight (merged into its answer). */
  during: Value[] | null;
  filling: Promise<void> | null;
  filledAt: number;
};

export type RecentCacheOptions = {
  /**
   * The stream offset this node has delivered up to for a dashboard: a fill reads storage up to it
   * (points committed after it reach this node, and the cache, live), so nothing is kept twice.
   */
  position?: (dashboardId: number) => number | undefined;
  /** Points kept per metric (the history sent on connect). */
  capacity: number;
  /** At most this many metrics (least recently used are forgotten). */
  maxMetrics: number;
  /** Filled again after this long; 0 disables the cache (every call reads storage). */
  maxAgeMs: number;
};

const sameValue = (a: Value, b: Value) =>
  a.offset !== undefined && b.offset !== undefined
    ? a.offset === b.offset
    : a.timestamp === b.timestamp && a.value === b.value;

/** Inserts in timestamp order; a point with an equal timestamp goes after (storage orders ties by id). */
function insert(values: Value[], point: Value, capacity: number): void {
  let i = values.length;
  while (i > 0 && (values[i - 1] as Value).timestamp > point.timestamp) i--;
  if (i === 0 && values.length >= capacity) return; // older than everything kept
  values.splice(i, 0, point);
  if (values.length > capacity) values.splice(0, values.length - capacity);
}

export function memoryRecentHistory(storage: Storage, options: RecentCacheOptions): RecentHistory {
  const entries = new Map<number, Entry>();

  /** One storage read for every entry in `batch` (metric → its entry). */
  async function fill(dashboardId: number, batch: Map<Metric, Entry>): Promise<void> {
    for (const entry of batch.values()) entry.during = [];
    try {
      const upTo = options.position?.(dashboardId);
      const read = await recentValues(storage, [...batch.keys()], options.capacity, upTo);
      for (const [metric, entry] of batch) {
        const rows = read.get(metric.id) ?? [];
        for (const p of entry.during ?? []) {
          // Committed before the read ran: storage already answered it.
          if (!rows.some((r) => sameValue(r, p))) insert(rows, p, options.capacity);
        }
        entry.values = rows;
        entry.filledAt = performance.now();
      }
    } finally {
      for (const entry of batch.values()) {
        entry.during = null;
        entry.filling = null;
      }
    }
  }

  return {
    async recent(dashboardId, metrics, n) {
      if (options.maxAgeMs === 0 || n > options.capacity)
        return recentValues(storage, metrics, n, options.position?.(dashboardId));
      const mine = new Map<Metric, Entry>();
      const missing = new Map<Metric, Entry>();
      for (const metric of metrics) {
        let entry = entries.get(metric.id);
        if (entry && entry.dashboardId === dashboardId) {
          entries.delete(metric.id); // LRU: re-inserted below as the newest
          entries.set(metric.id, entry);
        } else {
          entry = { dashboardId, values: [], during: null, filling: null, filledAt: -Infinity };
          entries.set(metric.id, entry);
          while (entries.size > options.maxMetrics) {
            const oldest = entries.keys().next().value as number;
            entries.delete(oldest);
          }
        }
        mine.set(metric, entry);
        if (entry.filling === null && performance.now() - entry.filledAt > options.maxAgeMs)
          missing.set(metric, entry);
      }
      if (missing.size > 0) {
        const filling = fill(dashboardId, missing);
        for (const entry of missing.values()) entry.filling = filling;
      }
      const out = new Map<number, Value[]>();
      for (const [metric, entry] of mine) {
        if (entry.filling) await entry.filling;
        out.set(metric.id, entry.values.slice(-n));
      }
      return out;
    },

    observe(dashboardId, metricId, point) {
      const entry = entries.get(metricId);
      if (!entry || entry.dashboardId !== dashboardId) return;
      if (entry.during) entry.during.push(point);
      else insert(entry.values, point, options.capacity);
    },

    forgetDashboard(dashboardId) {
      for (const [id, entry] of entries) if (entry.dashboardId === dashboardId) entries.delete(id);
    },

    forgetMetric(metricId) {
      entries.delete(metricId);
    },
  };
}
