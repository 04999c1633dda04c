// Owns re-checking live access from storage, so that a revocation cannot be missed. Revocations
// travel as group events (revoke.ts); an event is lost when the channel layer is away at that
// moment (the other nodes' sockets keep streaming) or when it is sent between a handshake's
// permission check and the socket joining its groups. So access is read again from the database:
// for one socket right after it joined its groups, for every socket of this node when the layer
// comes back, and for every socket at a bounded interval. A socket whose credential (session or
// token), membership or dashboard is gone is closed with 4001 / 4003 / 4004, as the event would.
import type { Principal } from "../auth/credentials.ts";
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

const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export function accessWatch(db: Db): AccessWatch {
  const live = new Set<Watched>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  /** The verdict for each connection, read in one pass: undefined when access still holds. */
  async function verdicts(list: Watched[]): Promise<Map<Watched, AccessRevoked>> {
    const sessions = [...new Set(list.flatMap((c) => (c.user.session ? [c.user.session.idHash] : [])))];
    const tokens = [...new Set(list.flatMap((c) => (c.user.tokenId !== undefined ? [c.user.tokenId] : [])))];
    const dashboards = [...new Set(list.map((c) => c.object.id))];
    const now = Date.now();
    const liveSessions = new Set<string>();
    for (const part of chunks(sessions))
      for (const r of await db
        .selectFrom("sessions")
        .select("id_hash")
        .where("id_hash", "in", part)
        .where("expires_at", ">", now)
        .execute())
        liveSessions.add(r.id_hash);
    const liveTokens = new Set<number>();
    for (const part of chunks(tokens))
      for (const r of await db.selectFrom("api_tokens").select("id").where("id", "in", part).execute())
        liveTokens.add(r.id);
    const liveDashboards = new Set<number>();
    const members = new Set<string>();
    for (const part of chunks(dashboards)) {
      for (const r of await db.selectFrom("dashboards").select("id").where("id", "in", part).execute())
        liveDashboards.add(r.id);
      for (const r of await db
        .selectFrom("dashboard_members")
        .select(["dashboard_id", "user_id"])
        .where("dashboard_id", "in", part)
        .execute())
        members.add(`${r.dashboard_id}:${r.user_id}`);
      // Access through a team is access too (model/access.ts roleOf).
      for (const r of await db
        .selectFrom("dashboard_teams")
        .innerJoin("team_members", "team_members.team_id", "dashboard_teams.team_id")
        .select(["dashboard_teams.dashboard_id as dashboard_id", "team_members.user_id as user_id"])
        .where("dashboard_teams.dashboard_id", "in", part)
        .execute())
        members.add(`${r.dashboard_id}:${r.user_id}`);
    }
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
