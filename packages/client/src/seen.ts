// What the client has already received, per metric: the newest timestamp (sent as `resume since`
// after a reconnect) and a bounded window of (metric_id, timestamp) keys, so that points replayed
// by `resume` or repeated in a fresh `metric_history` never reach a chart twice.

/** Keys remembered per metric; a replay only overlaps with the most recent points, so this is ample. */
export const SEEN_WINDOW = 4096;

interface MetricSeen {
  newestMs: number;
  newestIso: string;
  keys: Set<number>;
}

export class SeenPoints {
  #metrics = new Map<number, MetricSeen>();

  constructor(private readonly window = SEEN_WINDOW) {}

  /** Records a point; returns false when (metricId, timestamp) was already seen. */
  add(metricId: number, timestamp: string): boolean {
    const ms = Date.parse(timestamp);
    if (Number.isNaN(ms)) return false;
    let seen = this.#metrics.get(metricId);
    if (!seen) {
      seen = { newestMs: ms, newestIso: timestamp, keys: new Set() };
      this.#metrics.set(metricId, seen);
    }
    if (seen.keys.has(ms)) return false;
    seen.keys.add(ms);
    if (seen.keys.size > this.window) {
      // Sets iterate in insertion order: drop the key remembered longest ago.
      const oldest = seen.keys.values().next().value;
      if (oldest !== undefined) seen.keys.delete(oldest);
    }
    if (ms > seen.newestMs) {
      seen.newestMs = ms;
      seen.newestIso = timestamp;
    }
    return true;
  }

  /** `{ "<metric_id>": ISO }` of the newest point per metric, or undefined when nothing was seen. */
  since(): Record<string, string> | undefined {
    if (this.#metrics.size === 0) return undefined;
    const since: Record<string, string> = {};
    for (const [id, seen] of this.#metrics) since[String(id)] = new Date(seen.newestMs).toISOString();
    return since;
  }

  newest(metricId: number): string | undefined {
    return this.#metrics.get(metricId)?.newestIso;
  }

  clear(): void {
    this.#metrics.clear();
  }
}
