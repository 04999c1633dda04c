// Owns what the REST side shares with the dashboard endpoint: the group of a dashboard's
// connections ("dashboard.<id>", which committed points are sent to with `ctx.channels.groupSend`)
// and the observers of committed points.
import type { MetricUpdate } from "@pulseboard/protocol";

/** A live point as streamed to dashboards: the `metric_update` payload, inferred from its schema. */
export type LivePoint = MetricUpdate;

/**
 * Called with every point of a metric it wants after the point is committed, before it is
 * published to the group, exactly once, on the node that ingested it (REST and collectors alike).
 * Alert evaluation hangs here. `wants` is asked once per metric and batch: the frames of points no
 * one wants (no rule, no open dashboard) are never built (10,000 objects per batch).
 */
export type PointObserver = { wants(metricId: number): boolean; observe(point: LivePoint): void };

export function dashboardGroup(dashboardId: number): string {
  return `dashboard.${dashboardId}`;
}
