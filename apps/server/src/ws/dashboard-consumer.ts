// Owns the dashboard WebSocket endpoint `/ws/dashboard/:id/` (DESIGN.md protocol + the
// extensions of docs/API.md): handshake auth and membership, the initial config and history,
// per-connection subscriptions, live `metric_update` fan-out, presence, resume and pause.
//
// A connection starts subscribed to every metric listed in its `dashboard_config` (it has just
// received their history); `subscribe` adds metrics (e.g. created later, or unsubscribed), and
// `subscribe_series` adds the labeled series a selector matches, now and as they are created.
import {
  AuthResult,
  ChannelsError,
  type ChannelsServer,
  type ContextOf,
  defineConsumer,
  type PreparedFrame,
} from "@pulseboard/channels";
import { parseSelector, type Selector, SelectorError, selects } from "@pulseboard/protocol/series";
import type { Principal } from "../auth/credentials.ts";
import { SESSION_COOKIE } from "../auth/sessions.ts";
import type { AppContext } from "../context.ts";
import type { Dashboard, Metric } from "../db/schema.ts";
import { valuesSince } from "../history/history.ts";
import { metricUpdatePayload } from "../ingest/ingest.ts";
import { type AccessWatch, accessWatch } from "./access-watch.ts";
import { dashboardContract } from "./dashboard-contract.ts";
import { dashboardGroup } from "./fanout.ts";
import type { HandshakeCache } from "./handshake-cache.ts";
import { pointsAfter, streamPosition } from "./positions.ts";
import type { PresenceCounter } from "./presence.ts";
import { growingInterval, pacedPresence } from "./presence-pacing.ts";
import { credentialGroup } from "./revoke.ts";

export const HISTORY_POINTS = 100;
/**
 * Live frames held in memory for one connection while paused or replaying. A pause that outgrows
 * it is served from storage on `resume_stream` instead (a replay by offset, as for `resume`).
 */
export const MAX_HELD = 10_000;
/** Timestamp `resume` (best effort): at most this many points per metric. */
const MAX_REPLAY_PER_METRIC = 10_000;
/** `subscribe_series` selectors one connection may hold. */
const MAX_SELECTORS = 50;

/** A selector of a frame, or the client's error (`PB_ERR_INVALID_SELECTOR`) saying what is wrong. */
function selectorOf(text: string): Selector {
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorError) throw new ChannelsError(error.message, "PB_ERR_INVALID_SELECTOR");
    throw error;
  }
}

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

/** Shared by every connection's state until it has its own (idle connections cost less heap). */
const NO_IDS: ReadonlySet<number> = new Set();
const SETTLED: Promise<unknown> = Promise.resolve();
/** A connection's own subscription set: the shared one is copied on the connection's first change. */
function ownSubscriptions(state: { subscribed: ReadonlySet<number>; ownSubscribed: boolean }): Set<number> {
  if (!state.ownSubscribed) {
    state.subscribed = new Set(state.subscribed);
    state.ownSubscribed = true;
  }
  return state.subscribed as Set<number>;
}

/** The ids of one config's metrics, one set per metrics array (every connection shares it). */
const idSets = new WeakMap<readonly { id: number }[], ReadonlySet<number>>();
function idsOf(metrics: readonly { id: number }[]): ReadonlySet<number> {
  let ids = idSets.get(metrics);
  if (!ids) {
    ids = new Set(metrics.map((m) => m.id));
    idSets.set(metrics, ids);
  }
  return ids;
}

type Held = { metricId: number; offset: number | undefined; frame: PreparedFrame };
type State = {
  /**
   * The metric ids this connection takes: at first its config's id set, shared with every
   * connection that got that config, then its own copy from its first change (ownSubscriptions).
   */
  subscribed: ReadonlySet<number>;
  ownSubscribed: boolean;
  /** `subscribe_series` selectors by their text: matching series created later stream too (null: none yet). */
  selectors: Map<string, Selector> | null;
  /**
   * The metric ids of the last `dashboard_config` this connection got (to tell new series): one
   * set per config, shared by every connection that got it (never changed, only replaced).
   */
  known: ReadonlySet<number>;
  /**
   * The stream position this connection is complete up to: every point at or before it was sent
   * (history, replay or live) or is of a metric it does not take. Live frames arrive in offset
   * order (OrderedLayer); one at or before it is a duplicate.
   */
  at: number;
  /** Every point in (sentFrom, at] of the subscribed metrics was sent on this connection. */
  sentFrom: number;
  epoch: string;
  /** Live frames held back (handshake, paused or replaying), in offset order; null when streaming. */
  held: Held[] | null;
  pausedAt: Date | null;
  /** Paused past MAX_HELD: nothing more is held, `resume_stream` replays after `at` from storage. */
  overflow: boolean;
  /** Closes a session-authenticated connection when its session expires. */
  expiry: NodeJS.Timeout | null;
  /** Replays of this connection run one after another (a resume flood queues, never interleaves). */
  serial: Promise<unknown>;
};

/** What every hook and helper below receives: the contract's context with our user, object and state. */
type Ctx = ContextOf<typeof dashboardContract, Principal, Dashboard, State>;

type Resumed = {
  count: number;
  recovered?: boolean;
  epoch?: string;
  offset?: number;
  reason?: "epoch" | "retention" | "beyond_head" | "limit";
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
  const { db } = ctx;
  // One presence broadcast per dashboard per 250 ms at most (a burst of joins is O(N²) frames
  // otherwise), and per 0.5 ms × its connections beyond 500 (at most ~2,000 presence writes/s: at
  // 10,000 members a count every 5 s; 0.1 ms made presence a sixth of a connect storm's CPU).
  const announcePresence = pacedPresence(broadcastPresence, growingInterval(250, 0.5), (err) =>
    ctx.log.warn({ err }, "presence broadcast failed"),
  );

  /** The dashboard's metrics among `ids` (from the handshake cache: no query in the steady state). */
  async function metricsById(dashboard: Dashboard, ids: number[]): Promise<Map<number, Metric>> {
    if (ids.length === 0) return new Map();
    const wanted = new Set(ids);
    const { metrics } = await cache.config(dashboard);
    return new Map(metrics.filter((m) => wanted.has(m.id)).map((m) => [m.id, m]));
  }

  return defineConsumer(dashboardContract, {
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
    sendCompletion: ctx.config.sendCompletion,
    // Held from the start: live frames that arrive during the handshake wait for the history.
    state: (): State => ({
      subscribed: NO_IDS,
      ownSubscribed: false,
      selectors: null,
      known: NO_IDS,
      at: 0,
      sentFrom: 0,
      epoch: "",
      held: [],
      pausedAt: null,
      overflow: false,
      expiry: null,
      serial: SETTLED,
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
      const { metrics, config } = await cache.config(dashboard);
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
      c.state.subscribed = idsOf(metrics);
      c.state.known = c.state.subscribed;
      // Joined first, position second: every point after it reaches this connection live.
      const at = await cache.streamAt(dashboard.id);
      c.state.at = at.offset;
      c.state.sentFrom = at.offset;
      c.state.epoch = at.epoch;
      c.send("dashboard_config", { ...config, ...at });
      for (const frame of await cache.historyFrames(dashboard.id, metrics, HISTORY_POINTS)) c.sendRaw(frame);
      flush(c);
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
        await addSubscriptions(c, [...found.values()]);
      },

      unsubscribe: (ids, c) => {
        syncAt(c);
        for (const id of ids) if (c.state.subscribed.has(id)) ownSubscriptions(c.state).delete(id);
        reshare(c);
      },

      subscribe_series: async ({ selector: text }, c) => {
        const selector = selectorOf(text);
        c.state.selectors ??= new Map();
        if (!c.state.selectors.has(text) && c.state.selectors.size >= MAX_SELECTORS)
          throw new ChannelsError(
            `At most ${MAX_SELECTORS} series selectors per connection`,
            "PB_ERR_INVALID_SELECTOR",
          );
        c.state.selectors.set(text, selector);
        const { metrics } = await cache.config(c.object);
        await addSubscriptions(
          c,
          metrics.filter((m) => selects(selector, m.name)),
        );
      },

      unsubscribe_series: async ({ selector: text }, c) => {
        const selector = selectorOf(text);
        c.state.selectors?.delete(text);
        const { metrics } = await cache.config(c.object);
        syncAt(c);
        for (const m of metrics)
          if (selects(selector, m.name) && c.state.subscribed.has(m.id))
            ownSubscriptions(c.state).delete(m.id);
        reshare(c);
      },

      resume: (payload, c) =>
        serially(c.state, async () => {
          if (payload.epoch !== undefined && payload.offset !== undefined) {
            c.send("resumed", await resumeAfter(c, payload.epoch, payload.offset));
            return;
          }
          const since = payload.since!;
          const perMetric = new Map<number, number>();
          for (const id of c.state.subscribed) {
            const at = typeof since === "string" ? since : since[String(id)];
            if (at !== undefined) perMetric.set(id, Date.parse(at));
          }
          const count = await replaySince(c, perMetric);
          c.send("resumed", { count });
        }),

      pause: (_payload, c) => {
        if (!c.state.pausedAt) {
          syncAt(c);
          c.state.pausedAt = new Date();
          c.state.held ??= [];
          reshare(c);
        }
        return { action: "paused", payload: { at: c.state.pausedAt.toISOString() } };
      },

      resume_stream: (_payload, c) =>
        serially(c.state, async () => {
          if (!c.state.pausedAt) return { action: "resumed" as const, payload: { count: 0 } };
          c.state.pausedAt = null;
          if (!c.state.overflow)
            return { action: "resumed" as const, payload: { count: flush(c), ...position(c) } };
          // The pause outgrew memory: what was committed meanwhile, from storage, in offset order.
          c.state.overflow = false;
          const current = await streamPosition(db, c.object.id);
          return { action: "resumed" as const, payload: await replayAfter(c, c.state.at, current) };
        }),
    },

    eventHandlers: {
      // The dashboard changed: a deleted metric stops streaming; new ones stream once the client
      // subscribes (it sees them in this config), as for any metric it is not subscribed to.
      // Series created after a `subscribe_series` that match it stream from their first point
      // (the config that names them comes before it; they have no history yet).
      dashboard_config: (event, c, frame) => {
        const state = c.state;
        const current = idsOf(event.metrics);
        syncAt(c);
        for (const id of state.subscribed) if (!current.has(id)) ownSubscriptions(state).delete(id);
        if (state.selectors)
          for (const m of event.metrics)
            if (!state.known.has(m.id) && [...state.selectors.values()].some((s) => selects(s, m.name)))
              ownSubscriptions(state).add(m.id);
        state.known = current;
        c.sendRaw(frame);
        reshare(c);
      },
      access_revoked: (event, c) => {
        if (event.user_id === null || event.user_id === c.user.userId) c.close(event.code, event.reason);
      },
      metric_update: (event, c, frame) => {
        const state = c.state;
        const offset = event.offset;
        const held = state.held;
        if (!held) {
          if (offset !== undefined) {
            if (offset <= state.at) return; // in the history or replay already
            state.at = offset;
          }
          if (state.subscribed.has(event.metric_id)) c.sendRaw(frame);
          return;
        }
        if (state.overflow) return; // storage has it: resume_stream replays after `at`
        if (state.pausedAt && held.length >= MAX_HELD && offset !== undefined) {
          // Paused past what memory holds: replay from storage instead, from the first one held.
          state.overflow = true;
          const first = held.find((h) => h.offset !== undefined && h.offset > state.at);
          state.at = first ? first.offset! - 1 : Math.max(state.at, offset - 1);
          held.length = 0;
          return;
        }
        held.push({ metricId: event.metric_id, offset, frame });
      },
    },
  });

  /** Runs `task` after the connection's earlier replays have finished. */
  /** Adds metrics to a connection's subscriptions and sends the history of those it lacked. */
  async function addSubscriptions(c: Ctx, metrics: Metric[]): Promise<void> {
    const fresh = metrics.filter((m) => !c.state.subscribed.has(m.id));
    syncAt(c);
    for (const m of fresh) ownSubscriptions(c.state).add(m.id);
    c.state.sentFrom = c.state.at; // their points before it were not sent
    for (const frame of await cache.historyFrames(c.object.id, fresh, HISTORY_POINTS)) c.sendRaw(frame);
    reshare(c);
  }

  function serially<T>(state: State, task: () => Promise<T>): Promise<T> {
    const run = state.serial.then(task, task);
    state.serial = run.catch(() => {});
    return run;
  }

  /** Shared batches while streaming; through the metric_update handler while holding (pause, replay). */
  function reshare(c: Ctx): void {
    const state = c.state;
    c.shareTopics(state.held === null ? state.subscribed : null);
  }

  /**
   * A streaming connection has been given every point this node delivered (shared batches do not
   * pass the metric_update handler, which moves `at`): it is complete up to there.
   */
  function syncAt(c: Ctx): void {
    const state = c.state;
    if (state.held !== null) return;
    const delivered = cache.delivered(c.object.id);
    if (delivered !== null && delivered > state.at) state.at = delivered;
  }

  function position(c: { state: State }): { epoch: string; offset: number } {
    return { epoch: c.state.epoch, offset: c.state.at };
  }

  /** `resume {epoch, offset}`: the gap replayed exactly, or `recovered: false` saying why not. */
  async function resumeAfter(c: Ctx, epoch: string, offset: number): Promise<Resumed> {
    const current = await streamPosition(db, c.object.id);
    const reason =
      epoch !== current.epoch
        ? "epoch"
        : offset > current.head
          ? "beyond_head"
          : offset < current.trimmed
            ? "retention"
            : null;
    // This connection's epoch may come from a cache: the stream's own is what the client goes on with.
    c.state.epoch = current.epoch;
    if (reason) return { count: 0, recovered: false, reason, ...position(c) };
    return replayAfter(c, offset, current);
  }

  /**
   * Every point of the subscribed metrics committed after `from`, in offset order, live frames
   * held meanwhile and sent after (those the replay covered dropped); paced by the send budget.
   */
  async function replayAfter(c: Ctx, from: number, current: { head: number }): Promise<Resumed> {
    const state = c.state;
    syncAt(c);
    state.held ??= [];
    reshare(c);
    let count = 0;
    try {
      // A gap longer than config.maxReplay is answered `recovered: false` (the client refetches
      // by REST) rather than replayed for minutes.
      if (current.head - from > ctx.config.maxReplay) {
        // Too long to replay: continue from here; the client refetches what it missed by REST.
        state.at = Math.max(state.at, current.head);
        return { count: 0, recovered: false, reason: "limit", ...position(c) };
      }
      const metrics = [...(await metricsById(c.object, [...state.subscribed])).values()];
      // What this connection already sent live is not sent twice.
      const [sentFrom, sentTo] = [state.sentFrom, state.at];
      let cursor = from;
      for (;;) {
        const page = await pointsAfter(ctx, metrics, cursor, REPLAY_PAGE);
        for (const [i, p] of page.payloads.entries()) {
          if (i > 0 && i % REPLAY_BURST === 0) await drained(c);
          cursor = p.offset!;
          if (cursor > sentFrom && cursor <= sentTo) continue;
          if (!c.send("metric_update", p)) return { count, ...position(c) }; // the socket closed
          count++;
        }
        if (!page.more) break;
        await drained(c);
      }
      state.at = Math.max(state.at, cursor, current.head);
      state.sentFrom = Math.min(state.sentFrom, from);
      return { count, recovered: true, ...position(c) };
    } finally {
      // Paused (before or during the replay): keep holding, the pause's resume_stream flushes.
      if (!state.pausedAt) flush(c);
    }
  }

  /** Timestamp `resume` (best effort): points stamped after each metric's moment, per metric. */
  async function replaySince(c: Ctx, perMetric: Map<number, number>): Promise<number> {
    const state = c.state;
    syncAt(c);
    state.held ??= [];
    reshare(c);
    const sent = new Set<number>();
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
        for (let total = 0; total < MAX_REPLAY_PER_METRIC; ) {
          const rows = await valuesSince(
            ctx.storage,
            id,
            cursor,
            Math.min(REPLAY_PAGE, MAX_REPLAY_PER_METRIC - total),
            tie,
          );
          for (let i = 0; i < rows.n; i++) {
            if (i > 0 && i % REPLAY_BURST === 0) await drained(c);
            const offset = rows.offsets[i]!;
            const payload = metricUpdatePayload({
              metric: m,
              value: rows.values[i]!,
              timestamp: rows.ts[i]!,
              offset,
            });
            if (!c.send("metric_update", payload)) return count; // the socket closed
            sent.add(offset);
            count++;
          }
          total += rows.n;
          if (rows.n === 0) break;
          cursor = rows.ts[rows.n - 1]!;
          tie = rows.offsets[rows.n - 1]!;
          if (rows.n < REPLAY_PAGE) break;
          await drained(c);
        }
      }
    } finally {
      if (!state.pausedAt) flush(c, sent);
    }
    return count;
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

  /** Resolves once the connection has handed its queued frames to a socket that is keeping up. */
  async function drained(c: Ctx): Promise<void> {
    await new Promise((r) => setImmediate(r)); // the outbox writes at the check phase
    // A socket that closed meanwhile ends the wait (a drain waits for this replay to end).
    for (let i = 0; i < 6000 && !c.isClosed && c.bufferedAmount > REPLAY_HIGH_WATER; i++)
      await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Sends the held live frames this connection has not had yet (after `at`, and not among `sent`),
   * in the order they came (offset order); back to streaming.
   */
  function flush(c: Ctx, sent?: Set<number>): number {
    const state = c.state;
    const held = state.held ?? [];
    state.held = null;
    let count = 0;
    for (const h of held) {
      if (h.offset !== undefined) {
        if (h.offset <= state.at || sent?.has(h.offset)) continue;
        state.at = h.offset;
      }
      if (!state.subscribed.has(h.metricId)) continue;
      c.sendRaw(h.frame);
      count++;
    }
    reshare(c);
    return count;
  }
}
