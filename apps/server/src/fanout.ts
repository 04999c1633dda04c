// Owns the one thing the REST side needs from the WebSocket framework: sending a message to
// every consumer in a group ("dashboard.<id>"), after storage has committed.
export type GroupSender = {
  groupSend(group: string, action: string, payload: unknown): unknown;
  /** False when nobody anywhere can receive the group (sending to it would do nothing). */
  reaches?(group: string): boolean;
};

/** A live point as streamed to dashboards (the `metric_update` payload). */
export type LivePoint = {
  metric_id: number;
  value: number;
  timestamp: string;
  metric_name: string;
  unit: string;
  /** ISO time the batch was committed (clients measure commit → render lag from it) */
  committed_at?: string;
  /** Position in the dashboard's stream, assigned at commit (exact resume). */
  offset?: number;
};

/**
 * Called with every point after it is committed, before it is published to the group, exactly
 * once, on the node that ingested it (REST and collectors alike). Alert evaluation hangs here.
 */
export type PointObserver = (point: LivePoint) => void;

export function dashboardGroup(dashboardId: number): string {
  return `dashboard.${dashboardId}`;
}
