// Owns the connection count per dashboard behind `presence`. In-process for one node; the
// scale-out work swaps in a cluster-wide counter with the same interface (e.g. Redis INCR/DECR).
export type PresenceCounter = {
  /** Records a connection and returns the new count for the dashboard. */
  join(dashboardId: number, connectionId: string): Promise<number>;
  /** Forgets a connection and returns the new count. */
  leave(dashboardId: number, connectionId: string): Promise<number>;
};

export function inProcessPresence(): PresenceCounter {
  const byDashboard = new Map<number, Set<string>>();
  return {
    async join(dashboardId, connectionId) {
      const set = byDashboard.get(dashboardId) ?? new Set<string>();
      byDashboard.set(dashboardId, set);
      set.add(connectionId);
      return set.size;
    },
    async leave(dashboardId, connectionId) {
      const set = byDashboard.get(dashboardId);
      if (!set) return 0;
      set.delete(connectionId);
      if (set.size === 0) byDashboard.delete(dashboardId);
      return set.size;
    },
  };
}
