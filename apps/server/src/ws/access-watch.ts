// Owns re-checking live access from storage, so that a revocation cannot be missed. Revocations
// travel as group events (revoke.ts); an event is lost when the channel layer is away at that
// moment (the other nodes' sockets keep streaming) or when it is sent between a handshake's
// permission check and the socket joining its groups. So access is read again from the database:
// for one socket right after it joined its groups, for every socket of this node when the layer
// comes back, and for every socket at a bounded interval. A socket whose credential (session or
// token), membership or dashboard is gone is closed with 4001 / 4003 / 4004, as the event would.
import type { Principal } from "../auth/credentials.ts";
import { liveSessions as liveSessionsOf } from "../auth/sessions.ts";
import { existingTokens } from "../auth/tokens.ts";
import { accessPairs, existingDashboards } from "../dashboards/access.ts";
import type { Db } from "../db/schema.ts";
import type { AccessRevoked } from "./revoke.ts";

/** What the watch needs of a live dashboard connection. */
export type Watched = {
  user: Principal;
  object: { id: number };
  close(code: number, reason: string): void;
};

export type AccessWatch = {
  track(c: Watched): void;
  untrack(c: Watched): void;
  /** Checks one connection; closes it and returns false when it lost access. */
  verify(c: Watched): Promise<boolean>;
  /** Checks every tracked connection in a few queries; returns how many were closed. */
  recheckAll(): Promise<number>;
  /** Runs recheckAll every `intervalMs` (0: never) until stopped. */
  start(intervalMs: number, onError: (err: unknown) => void): void;
  stop(): void;
};

export function accessWatch(db: Db): AccessWatch {
  const live = new Set<Watched>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  /** The verdict for each connection, read in one pass: undefined when access still holds. */
  async function verdicts(list: Watched[]): Promise<Map<Watched, AccessRevoked>> {
    const sessions = [...new Set(list.flatMap((c) => (c.user.session ? [c.user.session.idHash] : [])))];
    const tokens = [...new Set(list.flatMap((c) => (c.user.tokenId !== undefined ? [c.user.tokenId] : [])))];
    const dashboards = [...new Set(list.map((c) => c.object.id))];
    const [liveSessions, liveTokens, liveDashboards, members] = await Promise.all([
      liveSessionsOf(db, sessions),
      existingTokens(db, tokens),
      existingDashboards(db, dashboards),
      // Access through a team is access too (dashboards/access.ts roleOf).
      accessPairs(db, dashboards),
    ]);
    const out = new Map<Watched, AccessRevoked>();
    for (const c of list) {
      const { user } = c;
      const credentialOk =
        user.via === "session"
          ? user.session !== undefined && liveSessions.has(user.session.idHash)
          : user.tokenId !== undefined && liveTokens.has(user.tokenId);
      if (!credentialOk)
        out.set(c, { user_id: null, code: 4001, reason: "Your credentials are no longer valid" });
      else if (!liveDashboards.has(c.object.id))
        out.set(c, { user_id: null, code: 4004, reason: "This dashboard was deleted" });
      else if (!members.has(`${c.object.id}:${user.userId}`))
        out.set(c, { user_id: user.userId, code: 4003, reason: "Your access to this dashboard was removed" });
    }
    return out;
  }

  async function recheck(list: Watched[]): Promise<number> {
    const found = await verdicts(list);
    for (const [c, v] of found) c.close(v.code, v.reason);
    return found.size;
  }

  return {
    track: (c) => void live.add(c),
    untrack: (c) => void live.delete(c),
    verify: async (c) => (await recheck([c])) === 0,
    recheckAll() {
      // One pass at a time: a recovery and the interval may coincide.
      running ??= recheck([...live]).finally(() => {
        running = null;
      });
      return running;
    },
    start(intervalMs, onError) {
      if (intervalMs <= 0 || timer) return;
      timer = setInterval(() => {
        this.recheckAll().catch(onError);
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
