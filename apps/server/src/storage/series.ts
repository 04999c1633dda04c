// Owns series identity: a metric plus a label set, stored once in `series` and cached here. The
// label set is canonical JSON with sorted keys, so `{b:"1",a:"2"}` and `{a:"2",b:"1"}` are one
// series; an unlabeled metric is the series with `{}`.
import type { Db } from "../db/schema.ts";

export type Labels = Record<string, string>;
export const NO_LABELS = "{}";

export function canonicalLabels(labels: Labels | undefined): string {
  if (!labels) return NO_LABELS;
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return NO_LABELS;
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, labels[k]!])));
}

/** metric id + canonical labels → series id, created on first sight, remembered. */
export class SeriesIds {
  private readonly known = new Map<string, number>();
  private static readonly MAX = 200_000;

  constructor(private readonly db: Db) {}

  private key(metricId: number, labels: string): string {
    return `${metricId}\u0000${labels}`;
  }

  async idsFor(wanted: Array<{ metricId: number; labels: string }>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing: Array<{ metricId: number; labels: string }> = [];
    for (const w of wanted) {
      const k = this.key(w.metricId, w.labels);
      if (out.has(k)) continue;
      const id = this.known.get(k);
      if (id !== undefined) out.set(k, id);
      else {
        out.set(k, -1);
        missing.push(w);
      }
    }
    if (missing.length) {
      const now = Date.now();
      for (let i = 0; i < missing.length; i += 200) {
        const part = missing.slice(i, i + 200);
        await this.db
          .insertInto("series")
          .values(part.map((w) => ({ metric_id: w.metricId, labels: w.labels, created_at: now })))
          .onConflict((oc) => oc.columns(["metric_id", "labels"]).doNothing())
          .execute();
      }
      const metricIds = [...new Set(missing.map((w) => w.metricId))];
      for (let i = 0; i < metricIds.length; i += 500) {
        const rows = await this.db
          .selectFrom("series")
          .select(["id", "metric_id", "labels"])
          .where("metric_id", "in", metricIds.slice(i, i + 500))
          .execute();
        for (const r of rows) {
          const k = this.key(r.metric_id, r.labels);
          if (out.get(k) === -1) out.set(k, r.id);
          this.remember(k, r.id);
        }
      }
    }
    return out;
  }

  async idFor(metricId: number, labels: string = NO_LABELS): Promise<number> {
    return (await this.idsFor([{ metricId, labels }])).get(this.key(metricId, labels))!;
  }

  keyOf(metricId: number, labels: string): string {
    return this.key(metricId, labels);
  }

  private remember(k: string, id: number): void {
    if (this.known.size >= SeriesIds.MAX) this.known.clear();
    this.known.set(k, id);
  }
}
