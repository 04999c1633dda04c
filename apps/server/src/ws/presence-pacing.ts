// Owns the pace of `presence` broadcasts. Every join or leave changes the count every member of
// the dashboard sees, so one broadcast per change costs O(N²) frames when N clients arrive at
// once (10,000 clients reconnecting after a deploy → ~50 million frames). Here a dashboard gets
// at most one broadcast per interval: the first change goes out at once, later ones within the
// interval collapse into one trailing broadcast with the latest count.
//
// The interval may grow with the count (a function of it): each broadcast is one write per
// member, so at 10,000 members a fixed 250 ms spends ~40,000 writes/s on presence alone — in a
// reconnect storm more than the handshakes themselves. `perMemberMs` bounds that to
// 1 / perMemberMs writes per second per dashboard.
export type PresenceAnnounce = (dashboardId: number, connections: number) => Promise<void>;

/** At least `minMs`, and `perMemberMs` per connection counted (e.g. 0.5 → 5 s at 10,000). */
export function growingInterval(minMs: number, perMemberMs: number): (connections: number) => number {
  return (connections) => Math.max(minMs, connections * perMemberMs);
}

export function pacedPresence(
  announce: PresenceAnnounce,
  intervalMs: number | ((connections: number) => number) = 250,
  onError: (err: unknown) => void = () => {},
): PresenceAnnounce {
  const interval = typeof intervalMs === "number" ? () => intervalMs : intervalMs;
  const state = new Map<number, { timer: NodeJS.Timeout; latest: number | undefined }>();

  const arm = (dashboardId: number, connections: number) => {
    const entry = {
      latest: undefined as number | undefined,
      timer: setTimeout(() => {
        const latest = entry.latest;
        state.delete(dashboardId);
        if (latest === undefined) return;
        arm(dashboardId, latest); // the trailing broadcast opens a new interval
        announce(dashboardId, latest).catch(onError);
      }, interval(connections)),
    };
    entry.timer.unref();
    state.set(dashboardId, entry);
  };

  return async (dashboardId, connections) => {
    const entry = state.get(dashboardId);
    if (entry) {
      entry.latest = connections;
      return;
    }
    arm(dashboardId, connections);
    await announce(dashboardId, connections);
  };
}
