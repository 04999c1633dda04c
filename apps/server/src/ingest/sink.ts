// Owns the sink the built-in collectors (system, synthetic, Prometheus scrape) write into:
// the target dashboard and its metrics are created on first sight (ids cached), then points
// take the same path as REST ingest: commit, then fan out.

import { findUserByName } from "../auth/users.ts";
import type { CollectedMetric, Sink } from "../collectors/types.ts";
import type { AppContext } from "../context.ts";
import { createDashboard, findDashboard, listMetrics, setMember } from "../dashboards/store.ts";
import type { Metric } from "../db/schema.ts";
import { createMetric } from "../metrics/store.ts";
import { announceConfig } from "../ws/config.ts";
import { fanOut, type StoredPoint, storePoints } from "./ingest.ts";

export type SinkTarget = { name: string; slug: string; description?: string; owner?: string | undefined };

/** The dashboard with this slug, created (with `owner` as owner, if that user exists) if missing. */
export async function ensureDashboard(ctx: AppContext, target: SinkTarget) {
  const existing = await findDashboard(ctx.db, target.slug);
  if (existing) return existing;
  const dashboard = await createDashboard(ctx.db, {
    name: target.name,
    slug: target.slug,
    description: target.description,
  });
  if (target.owner && (await findUserByName(ctx.db, target.owner)))
    await setMember(ctx.db, dashboard.id, target.owner, "owner");
  return dashboard;
}

export function createSink(ctx: AppContext, target: SinkTarget): Sink {
  let dashboardId: number | undefined;
  const metrics = new Map<string, Metric>();

  async function metricFor(def: CollectedMetric): Promise<Metric> {
    if (dashboardId === undefined) {
      dashboardId = (await ensureDashboard(ctx, target)).id;
      for (const m of await listMetrics(ctx.db, dashboardId)) metrics.set(m.name, m);
    }
    let m = metrics.get(def.name);
    if (!m) {
      m = await createMetric(ctx.db, dashboardId, def);
      metrics.set(def.name, m);
      await announceConfig(ctx, dashboardId);
    }
    return m;
  }

  return async (batch) => {
    const points: StoredPoint[] = [];
    const now = Date.now();
    for (const p of batch) {
      // Collectors read the outside world: a NaN from a scrape is skipped, never stored.
      if (!Number.isFinite(p.value)) continue;
      const timestamp = p.timestamp ? p.timestamp.getTime() : now;
      if (!Number.isFinite(timestamp)) continue;
      points.push({ metric: await metricFor(p.metric), value: p.value, timestamp });
    }
    await storePoints(ctx.storage, points);
    await fanOut(ctx, points);
  };
}
