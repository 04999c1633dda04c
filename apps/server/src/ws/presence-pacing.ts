// Owns the pace of `presence` broadcasts. Every join or leave changes the count every member of
// the dashboard sees, so one broadcast per change costs O(N²) frames when N clients arrive at
// once (10,000 clients reconnecting after a deploy → ~50 million frames). Here a dashboard gets
// at most one broadcast per interval: the first change goes out at once, later ones within the
// interval collapse into one trailing broadcast with the latest count.
export type PresenceAnnounce = (dashboardId: number, connections: number) => Promise<void>;

export function pacedPresence(
  announce: PresenceAnnounce,
  intervalMs = 250,
  onError: (err: unknown) => void = () => {},
): PresenceAnnounce {
  const state = new Map<number, { timer: NodeJS.Timeout; latest: number | undefined }>();

  const arm = (dashboardId: number) => {
    const entry = {
      latest: undefined as number | undefined,
      timer: setTimeout(() => {
        const latest = entry.latest;
        state.delete(dashboardId);
        if (latest === undefined) return;
        arm(dashboardId); // the trailing broadcast opens a new interval
        announce(dashboardId, latest).catch(onError);
      }, intervalMs),
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
    arm(dashboardId);
    await announce(dashboardId, connections);
  };
}
