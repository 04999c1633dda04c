// Owns the dashboard WebSocket endpoint `/ws/dashboard/:id/` (DESIGN.md protocol + the
// extensions of docs/API.md): handshake auth and membership, the initial config and history,
// per-connection subscriptions, live `metric_update` fan-out, presence, resume and pause.
//
// A connection starts subscribed to every metric listed in its `dashboard_config` (it has just
// received their history); `subscribe` adds metrics (e.g. created later, or unsubscribed).
import {
  AuthResult,
  ChannelsError,
  type ChannelsServer,
  defineConsumer,
  type PreparedFrame,
} from "@pulseboard/channels";
import { clientMessages, serverMessages } from "@pulseboard/client/protocol";
import type { Principal } from "../auth/credentials.ts";
import { SESSION_COOKIE } from "../auth/sessions.ts";
import type { AppContext } from "../context.ts";
import type { Dashboard, Metric } from "../db/schema.ts";
import { dashboardGroup } from "../fanout.ts";
import { valuesSince } from "../history.ts";
import { metricUpdatePayload } from "../ingest.ts";
import { type AccessWatch, accessWatch } from "./access-watch.ts";
import type { HandshakeCache } from "./handshake-cache.ts";
import type { PresenceCounter } from "./presence.ts";
import { growingInterval, pacedPresence } from "./presence-pacing.ts";
import { accessRevoked, credentialGroup } from "./revoke.ts";

export const HISTORY_POINTS = 100;
/**
 * Live frames held in memory for one connection while paused or replaying. A pause that outgrows
 * it is served from storage on `resume_stream` instead (a replay, as for `resume`); a replay that
 * outgrows it drops the oldest.
 */
export const MAX_HELD = 10_000;
const MAX_REPLAY_PER_METRIC = 10_000;
/** Points read and sent per step of a replay. */
const REPLAY_PAGE = 1000;
/**
 * A replay sends REPLAY_BURST frames at a time, each burst only once the socket holds less than
 * REPLAY_HIGH_WATER unsent: burst + water (≤ ~150 KB with 200-character names) stays under the
 * framework's 256 KiB hold threshold, so a replay never makes its connection look slow (4008) or
 * gets its frames conflated.
 */
const REPLAY_BURST = 200;
const REPLAY_HIGH_WATER = 64 * 1024;

type Held = { metricId: number; timestamp: string; frame: PreparedFrame };
type State = {
  subscribed: Set<number>;
  /** Live frames held back (paused or replaying); null when streaming. */
  held: Held[] | null;
  pausedAt: Date | null;
  /** Paused past MAX_HELD: per metric, the earliest timestamp (ms) not held, replayed from storage. */
  overflow: Map<number, number> | null;
  /** Closes a session-authenticated connection when its session expires. */
  expiry: NodeJS.Timeout | null;
  dropped: number;
};

export type DashboardConsumer = ReturnType<typeof dashboardConsumer>;
export type DashboardChannels = ChannelsServer<DashboardConsumer>;

export function dashboardConsumer(
  ctx: AppContext,
  presence: PresenceCounter,
  broadcastPresence: (dashboardId: number, connections: number) => Promise<void>,
  cache: HandshakeCache,
  /** Re-reads access from storage (access-watch.ts); default: a watch nobody starts. */
  watch: AccessWatch = accessWatch(ctx.db),
) {
  // One presence broadcast per dashboard per 250 ms at most (a burst of joins is O(N²) frames
  // otherwise), and per 0.1 ms × its connections beyond 2,500 (at most ~10,000 presence writes/s).
  const announcePresence = pacedPresence(broadcastPresence, growingInterval(250, 0.1), (err) =>
    ctx.log.warn({ err }, "presence broadcast failed"),
  );

  /** The dashboard's metrics among `ids` (from the handshake cache: no query in the steady state). */
  async function metricsById(dashboard: Dashboard, ids: number[]): Promise<Map<number, Metric>> {
    if (ids.length === 0) return new Map();
    const wanted = new Set(ids);
    const { metrics } = await cache.config(dashboard);
    return new Map(metrics.filter((m) => wanted.has(m.id)).map((m) => [m.id, m]));
  }

  return defineConsumer({
    path: "/ws/dashboard/:id/",
    authenticators: [
      async (req): Promise<Principal | null> =>
        (await cache.principal({
          cookie: req.cookies[SESSION_COOKIE],
          authorization: req.token ? `Bearer ${req.token}` : undefined,
        })) ?? null,
    ],
    loadObject: async ({ params }): Promise<Dashboard | null> => {
      if (!/^[1-9][0-9]{0,14}$/.test(params.id)) return null;
      return cache.dashboard(Number(params.id));
    },
    permissions: [
      async ({ user, object }) =>
        (await cache.role(user.userId, object.id)) !== undefined ||
        AuthResult.deny(403, "You are not a member of this dashboard"),
    ],
    incoming: {
      ping: clientMessages.ping.shape.payload,
      subscribe: clientMessages.subscribe.shape.payload,
      unsubscribe: clientMessages.unsubscribe.shape.payload,
      resume: clientMessages.resume.shape.payload,
      pause: clientMessages.pause.shape.payload,
      resume_stream: clientMessages.resume_stream.shape.payload,
    },
    outgoing: {
      dashboard_config: serverMessages.dashboard_config.shape.payload,
      metric_history: serverMessages.metric_history.shape.payload,
      metric_update: serverMessages.metric_update.shape.payload,
      pong: serverMessages.pong.shape.payload,
      presence: serverMessages.presence.shape.payload,
      alert: serverMessages.alert.shape.payload,
      resumed: serverMessages.resumed.shape.payload,
      paused: serverMessages.paused.shape.payload,
    },
    // Delivered through the dashboard group; `presence` and `alert` have no handler and are
    // forwarded to every member as they are.
    events: {
      dashboard_config: serverMessages.dashboard_config.shape.payload,
      metric_update: serverMessages.metric_update.shape.payload,
      presence: serverMessages.presence.shape.payload,
      alert: serverMessages.alert.shape.payload,
      access_revoked: accessRevoked,
    },
    sendCompletion: ctx.config.sendCompletion,
    state: (): State => ({
      subscribed: new Set(),
      held: null,
      pausedAt: null,
      overflow: null,
      expiry: null,
      dropped: 0,
    }),
    // A client that falls behind gets the latest value of each metric, not a growing backlog
    // (the framework's outbox holds and conflates while its send buffer is full).
    latestWins: { metric_update: (update) => update.metric_id },
    // A streaming connection (not paused, not replaying) gets exactly the updates of the metrics it
    // is subscribed to, as-is: what the metric_update handler below does. Such connections share
    // one pre-framed batch per turn with every connection subscribed to the same set (reshare()).
    sharedEvents: { metric_update: (update) => update.metric_id },

    onAuthenticated: async (c) => {
      const dashboard = c.object;
      const { metrics, frame: config } = await cache.config(dashboard);
      await c.join(dashboardGroup(dashboard.id));
      const credential = credentialGroup(c.user);
      if (credential) await c.join(credential); // closed at once if the credential is revoked
      // A revocation sent between the handshake's permission check and these joins reached no
      // group of ours: read access again now that every later one will reach us (unless the
      // handshake cache, which every revocation reaches, still holds this access).
      watch.track(c);
      if (!cache.vouches(c.user, dashboard.id) && !(await watch.verify(c))) return;
      const expiresAt = c.user.session?.expiresAt;
      if (expiresAt !== undefined) closeAt(c.state, expiresAt, () => c.close(4001, "Session expired"));
      for (const m of metrics) c.state.subscribed.add(m.id);
      c.sendRaw(config);
      for (const frame of await cache.historyFrames(dashboard.id, metrics, HISTORY_POINTS)) c.sendRaw(frame);
      reshare(c);
      const count = await presence.join(dashboard.id, c.id);
      await announcePresence(dashboard.id, count);
    },

    onDisconnect: async (c) => {
      watch.untrack(c);
      if (c.state.expiry) clearTimeout(c.state.expiry);
      const count = await presence.leave(c.object.id, c.id);
      await announcePresence(c.object.id, count);
    },

    handlers: {
      ping: () => ({ action: "pong", payload: null }),

      subscribe: async (ids, c) => {
        const unique = [...new Set(ids)];
        const found = await metricsById(c.object, unique);
        const foreign = unique.filter((id) => !found.has(id));
        // All or nothing: a metric of another dashboard (or none) is refused, never streamed.
        if (foreign.length)
          throw new ChannelsError(
            `Unknown metric id(s) for this dashboard: ${foreign.join(", ")}`,
            "PB_ERR_UNKNOWN_METRIC",
          );
        const fresh = unique.filter((id) => !c.state.subscribed.has(id)).map((id) => found.get(id)!);
        for (const m of fresh) c.state.subscribed.add(m.id);
        for (const frame of await cache.historyFrames(c.object.id, fresh, HISTORY_POINTS)) c.sendRaw(frame);
        reshare(c);
      },

      unsubscribe: (ids, c) => {
        for (const id of ids) c.state.subscribed.delete(id);
        reshare(c);
      },

      resume: async ({ since }, c) => {
        const perMetric = new Map<number, number>();
        for (const id of c.state.subscribed) {
          const at = typeof since === "string" ? since : since[String(id)];
          if (at !== undefined) perMetric.set(id, Date.parse(at));
        }
        const count = await replay(c, perMetric);
        c.send("resumed", { count });
      },

      pause: (_payload, c) => {
        if (!c.state.pausedAt) {
          c.state.pausedAt = new Date();
          c.state.held ??= [];
          reshare(c);
        }
        return { action: "paused", payload: { at: c.state.pausedAt.toISOString() } };
      },

      resume_stream: async (_payload, c) => {
        if (!c.state.pausedAt) return { action: "resumed", payload: { count: 0 } };
        c.state.pausedAt = null;
        const overflow = c.state.overflow;
        c.state.overflow = null;
        // What was fanned out during the pause: from memory, or from storage when it outgrew it.
        const count = overflow
          ? await replay(c, new Map([...overflow].map(([id, earliest]) => [id, earliest - 1])))
          : flush(c, new Map());
        return { action: "resumed", payload: { count } };
      },
    },

    eventHandlers: {
      // The dashboard changed: a deleted metric stops streaming; new ones stream once the client
      // subscribes (it sees them in this config), as for any metric it is not subscribed to.
      dashboard_config: (event, c, frame) => {
        const current = new Set(event.metrics.map((m) => m.id));
        for (const id of c.state.subscribed) if (!current.has(id)) c.state.subscribed.delete(id);
        c.sendRaw(frame);
        reshare(c);
      },
      access_revoked: (event, c) => {
        if (event.user_id === null || event.user_id === c.user.userId) c.close(event.code, event.reason);
      },
      metric_update: (event, c, frame) => {
        if (!c.state.subscribed.has(event.metric_id)) return;
        const held = c.state.held;
        if (!held) {
          c.sendRaw(frame);
          return;
        }
        const state = c.state;
        if (state.pausedAt && (state.overflow || held.length >= MAX_HELD)) {
          // Storage has every point: remember where each metric's backlog starts, hold nothing.
          state.overflow ??= new Map();
          for (const h of held) earliest(state.overflow, h.metricId, h.timestamp);
          earliest(state.overflow, event.metric_id, event.timestamp);
          held.length = 0;
          return;
        }
        if (held.length >= MAX_HELD) {
          held.shift();
          state.dropped++;
        }
        held.push({ metricId: event.metric_id, timestamp: event.timestamp, frame });
      },
    },
  });

  /** Shared batches while streaming; through the metric_update handler while holding (pause, replay). */
  // biome-ignore lint/suspicious/noExplicitAny: the consumer context type is inferred above
  function reshare(c: any): void {
    const state = c.state as State;
    c.shareTopics(state.held === null ? state.subscribed : null);
  }

  /** Runs `close` at `at` (ms), in steps a timer can hold (setTimeout overflows past ~24.8 days). */
  function closeAt(state: State, at: number, close: () => void): void {
    const wait = at - Date.now();
    if (wait <= 0) {
      close();
      return;
    }
    state.expiry = setTimeout(() => closeAt(state, at, close), Math.min(wait, 2 ** 31 - 1));
    state.expiry.unref();
  }

  function earliest(backlog: Map<number, number>, metricId: number, timestamp: string): void {
    const at = Date.parse(timestamp);
    const known = backlog.get(metricId);
    if (known === undefined || at < known) backlog.set(metricId, at);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the consumer context type is inferred above
  async function replay(c: any, perMetric: Map<number, number>): Promise<number> {
    const state = c.state as State;
    const wasHeld = state.held !== null;
    state.held ??= [];
    reshare(c);
    const lastSent = new Map<number, number>();
    let count = 0;
    try {
      const metrics = await metricsById(c.object, [...perMetric.keys()]);
      for (const [id, since] of perMetric) {
        const m = metrics.get(id);
        if (!m) continue;
        // Page by page, each only once the socket has taken the previous one: a replay never
        // piles up in memory or pushes the connection into conflation, whatever was asked for.
        let cursor = since;
        let tie = Number.POSITIVE_INFINITY;
        for (let sent = 0; sent < MAX_REPLAY_PER_METRIC; ) {
          const rows = await valuesSince(
            ctx.storage,
            id,
            cursor,
            Math.min(REPLAY_PAGE, MAX_REPLAY_PER_METRIC - sent),
            tie,
          );
          for (let i = 0; i < rows.n; i++) {
            if (i > 0 && i % REPLAY_BURST === 0) await drained(c);
            if (
              !c.send(
                "metric_update",
                metricUpdatePayload({ metric: m, value: rows.values[i]!, timestamp: rows.ts[i]! }),
              )
            )
              return count; // the socket closed
            count++;
          }
          sent += rows.n;
          if (rows.n === 0) break;
          cursor = rows.ts[rows.n - 1]!;
          tie = rows.offsets[rows.n - 1]!;
          lastSent.set(id, Math.max(lastSent.get(id) ?? cursor, cursor));
          if (rows.n < REPLAY_PAGE) break;
          await drained(c);
        }
      }
    } finally {
      // Still paused: keep holding live frames, the pause's own resume_stream flushes them.
      if (!wasHeld || !state.pausedAt) flush(c, lastSent);
    }
    return count;
  }

  /** Resolves once the connection has handed its queued frames to a socket that is keeping up. */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  async function drained(c: any): Promise<void> {
    await new Promise((r) => setImmediate(r)); // the outbox writes at the check phase
    for (let i = 0; i < 6000 && c.bufferedAmount > REPLAY_HIGH_WATER; i++)
      await new Promise((r) => setTimeout(r, 10));
  }

  /** Sends held live frames, skipping those the replay already covered; back to streaming. */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  function flush(c: any, covered: Map<number, number>): number {
    const state = c.state as State;
    const held = state.held ?? [];
    state.held = null;
    let sent = 0;
    for (const h of held) {
      const upTo = covered.get(h.metricId);
      if (upTo !== undefined && Date.parse(h.timestamp) <= upTo) continue;
      if (!state.subscribed.has(h.metricId)) continue;
      c.sendRaw(h.frame);
      sent++;
    }
    reshare(c);
    return sent;
  }
}
