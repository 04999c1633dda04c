// Owns the one thing the REST side needs from the WebSocket framework: sending a message to
// every consumer in a group ("dashboard.<id>"), after storage has committed.
export type GroupSender = {
  groupSend(group: string, action: string, payload: unknown): unknown;
};

export function dashboardGroup(dashboardId: number): string {
  return `dashboard.${dashboardId}`;
}
