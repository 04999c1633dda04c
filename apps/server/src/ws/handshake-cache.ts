// Owns what a dashboard handshake reads, kept in memory so that a token or session connecting
// again, to a dashboard this node already serves, costs no hash and no query: the credential's
// principal, the dashboard row, its metrics (the `dashboard_config`), the caller's membership and
// (through recent-cache.ts) each metric's recent history. Before this, one handshake was ~10 ms of
// server CPU at 10,000 clients (token hash + lookup, membership, config, one history query per
// metric); a reconnect storm of 10,000 clients needed ~13 s of one saturated node.
//
// Kept current by the same messages that close connections or update open dashboards, on every
// node: this node subscribes (through the channel layer, like a member) to the group of every
// dashboard it keeps, so `dashboard_config` (a change), `access_revoked` (member removed, dashboard
// deleted) and `metric_update` (recent history) reach it; credential revocations (token revoked,
// signed out) are announced to every node on one group (CREDENTIALS_GROUP). A fill that raced an
// invalidation is not kept (generation counters). Every entry also expires after `ttlMs`, which
// bounds what a lost message (e.g. a Redis outage) can leave stale; only positive answers are kept.
import { type ChannelLayer, type LayerMessage, PreparedFrame } from "@pulseboard/channels";
import { authenticate, type Principal, type RawCredentials } from "../auth/credentials.ts";
import { roleOf } from "../dashboards/access.ts";
import { findDashboard, listMetrics } from "../dashboards/store.ts";
import type { Dashboard, Db, Metric, Role } from "../db/schema.ts";
import type { Storage } from "../storage/index.ts";
import { configPayload } from "./config.ts";
import { dashboardGroup } from "./fanout.ts";
import { streamPosition } from "./positions.ts";
import { memoryRecentHistory, type RecentHistory } from "./recent-cache.ts";
import { CREDENTIAL_REVOKED, CREDENTIALS_GROUP, credentialGroup } from "./revoke.ts";

export type HandshakeCacheOptions = {
  /** Entries expire after this long; 0 disables every cache (each handshake reads storage). */
  ttlMs: number;
  /** Credentials (tokens, sessions) kept at most. */
  maxCredentials: number;
  /** Dashboards kept (and subscribed to) at most. */
  maxDashboards: number;
  /** Recent points kept per metric. */
  historyPoints: number;
  onError: (err: unknown, context: string) => void;
};

type Cached<T> = { value: T; expires: number };

export type DashboardConfig = {
  metrics: Metric[];
  config: ReturnType<typeof configPayload>;
  /** The `dashboard_config` frame, serialized once for every connection that gets it. */
  frame: PreparedFrame;
};

type DashboardEntry = {
  generation: number;
  row: Cached<Dashboard> | null;
  metrics: Cached<DashboardConfig> | null;
  /** Per metric: the `metric_history` frame of its recent points, until the next point arrives. */
  history: Map<number, PreparedFrame>;
  roles: Map<number, Cached<Role>>;
  /** The layer subscription that keeps this entry current (resolves once it is live). */
  subscribed: Promise<void>;
  /** The subscription is live: from now on every change to this dashboard reaches the entry. */
  live: boolean;
  /** The stream's epoch (changes only with a restore, which restarts the nodes). */
  epoch: Cached<string> | null;
};

/** A channel layer that can say how far a group's ordered stream was delivered (OrderedLayer). */
export type PositionedLayer = ChannelLayer & { delivered?(group: string): number | null };

export class HandshakeCache {
  readonly recent: RecentHistory;
  readonly #credentials = new Map<string, Cached<Principal> & { group: string | undefined }>();
  /** The key each cached principal is kept under (vouches() finds it from the connection's user). */
  readonly #keyOf = new WeakMap<Principal, string>();
  #credentialsLive: Promise<void> = Promise.resolve();
  #credentialGeneration = 0;
  readonly #dashboards = new Map<number, DashboardEntry>();
  readonly #deliver = new Map<number, (message: LayerMessage) => void>();
  readonly #inflight = new Map<string, Promise<unknown>>();
  /** Bumped by every live point: a history frame built across one is not kept. */
  #historyVersion = 0;

  constructor(
    private readonly db: Db,
    storage: Storage,
    private readonly layer: PositionedLayer,
    private readonly options: HandshakeCacheOptions,
  ) {
    this.recent = memoryRecentHistory(storage, {
      position: (id) => this.delivered(id) ?? undefined,
      capacity: options.historyPoints,
      maxMetrics: options.maxDashboards * 50,
      maxAgeMs: options.ttlMs,
    });
    if (options.ttlMs > 0) {
      // Awaited by principal(): no credential is kept before revocations can reach this node.
      this.#credentialsLive = layer
        .subscribe(CREDENTIALS_GROUP, (message) => this.#onCredentialMessage(message))
        .catch((err: unknown) => options.onError(err, "subscribing to credential revocations"));
    }
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  /** The principal for these credentials (cached by the raw secret: no hash, no query on a hit). */
  async principal(creds: RawCredentials): Promise<Principal | undefined> {
    if (!this.enabled) return authenticate(this.db, creds);
    const key = creds.authorization ? `a:${creds.authorization}` : creds.cookie ? `c:${creds.cookie}` : null;
    if (key === null) return undefined;
    const now = Date.now();
    const hit = this.#credentials.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.#credentials.delete(key);
    await this.#credentialsLive;
    const generation = this.#credentialGeneration;
    const found = await this.#once(`${generation}:${key}`, () => authenticate(this.db, creds));
    if (found && generation === this.#credentialGeneration) {
      this.#keyOf.set(found, key);
      const expires = Math.min(
        now + this.options.ttlMs,
        found.session?.expiresAt ?? Number.POSITIVE_INFINITY,
      );
      this.#credentials.set(key, { value: found, expires, group: credentialGroup(found) });
      if (this.#credentials.size > this.options.maxCredentials) {
        this.#credentials.delete(this.#credentials.keys().next().value as string);
      }
    }
    return found;
  }

  /** The dashboard row, or null when there is none. */
  async dashboard(id: number): Promise<Dashboard | null> {
    const load = async () => (await findDashboard(this.db, id)) ?? null;
    if (!this.enabled) return load();
    if (!this.#dashboards.has(id)) {
      // Not kept yet: only a dashboard that exists is subscribed to (probing ids subscribes to
      // nothing); this first answer is not kept, as no subscription watched it being read.
      const row = await this.#once(`dashboard:${id}:new`, load);
      if (row) await this.#entry(id).catch(() => undefined);
      return row;
    }
    const entry = await this.#entry(id);
    if (entry.row && entry.row.expires > Date.now()) return entry.row.value;
    const generation = entry.generation;
    const row = await this.#once(`dashboard:${id}:${generation}`, load);
    if (row && generation === entry.generation) entry.row = this.#cached(row);
    return row;
  }

  /** The user's role on the dashboard, or undefined for a non-member. */
  async role(userId: number, dashboardId: number): Promise<Role | undefined> {
    if (!this.enabled) return roleOf(this.db, userId, dashboardId);
    const entry = await this.#entry(dashboardId);
    const hit = entry.roles.get(userId);
    if (hit && hit.expires > Date.now()) return hit.value;
    const generation = entry.generation;
    const role = await this.#once(`role:${userId}:${dashboardId}:${generation}`, () =>
      roleOf(this.db, userId, dashboardId),
    );
    if (role && generation === entry.generation) entry.roles.set(userId, this.#cached(role));
    return role;
  }

  /** The last stream offset delivered to this node's members of the dashboard (null: not known). */
  delivered(dashboardId: number): number | null {
    return this.layer.delivered?.(dashboardGroup(dashboardId)) ?? null;
  }

  /**
   * Where a connection that just joined the dashboard's group starts: the stream's epoch, and the
   * offset this node delivered up to (every later point reaches the connection live).
   */
  async streamAt(dashboardId: number): Promise<{ epoch: string; offset: number }> {
    const read = async () => {
      const position = await streamPosition(this.db, dashboardId);
      return { epoch: position.epoch, offset: this.delivered(dashboardId) ?? position.head };
    };
    if (!this.enabled) return read();
    const entry = await this.#entry(dashboardId);
    if (entry.epoch && entry.epoch.expires > Date.now()) {
      const offset = this.delivered(dashboardId);
      if (offset !== null) return { epoch: entry.epoch.value, offset };
    }
    const generation = entry.generation;
    const at = await this.#once(`stream:${dashboardId}:${generation}`, read);
    if (generation === entry.generation) entry.epoch = this.#cached(at.epoch);
    return { epoch: at.epoch, offset: this.delivered(dashboardId) ?? at.offset };
  }

  /** The dashboard's metrics and its `dashboard_config` payload. */
  async config(dashboard: Dashboard): Promise<DashboardConfig> {
    const load = async (): Promise<DashboardConfig> => {
      const metrics = await listMetrics(this.db, dashboard.id);
      const config = configPayload(dashboard, metrics);
      return { metrics, config, frame: PreparedFrame.of("dashboard_config", config) };
    };
    if (!this.enabled) return load();
    const entry = await this.#entry(dashboard.id);
    if (entry.metrics && entry.metrics.expires > Date.now()) return entry.metrics.value;
    const generation = entry.generation;
    const value = await this.#once(`config:${dashboard.id}:${generation}`, load);
    if (generation === entry.generation) entry.metrics = this.#cached(value);
    return value;
  }

  /**
   * The `metric_history` frames of the metrics' newest `n` points, in the order given. Each is
   * serialized once and shared by every handshake until the metric's next point arrives (a storm
   * of 10,000 connects would otherwise serialize the same 100 points 10,000 times); the misses
   * are read from storage together.
   */
  async historyFrames(dashboardId: number, metrics: Metric[], n: number): Promise<PreparedFrame[]> {
    if (metrics.length === 0) return [];
    // Complete up to the position read before the points were (the frame is dropped at the
    // metric's next point, so it stays complete up to any later position too).
    const { epoch } = await this.streamAt(dashboardId);
    const upTo = this.delivered(dashboardId);
    const frameOf = (metric: Metric, values: unknown) =>
      PreparedFrame.of("metric_history", {
        metric_id: metric.id,
        metric_name: metric.name,
        unit: metric.unit,
        values,
        epoch,
        ...(upTo !== null ? { offset: upTo } : {}),
      });
    if (!this.enabled || n !== this.options.historyPoints) {
      const read = await this.recent.recent(dashboardId, metrics, n);
      return metrics.map((m) => frameOf(m, read.get(m.id) ?? []));
    }
    const entry = await this.#entry(dashboardId);
    const frames = new Map<number, PreparedFrame>();
    const missing: Metric[] = [];
    for (const m of metrics) {
      const hit = entry.history.get(m.id);
      if (hit) frames.set(m.id, hit);
      else missing.push(m);
    }
    if (missing.length > 0) {
      const generation = entry.generation;
      const version = this.#historyVersion;
      const read = await this.recent.recent(dashboardId, missing, n);
      const keep = generation === entry.generation && version === this.#historyVersion;
      for (const m of missing) {
        const frame = frameOf(m, read.get(m.id) ?? []);
        frames.set(m.id, frame);
        if (keep) entry.history.set(m.id, frame);
      }
    }
    return metrics.map((m) => frames.get(m.id) as PreparedFrame);
  }

  /**
   * Forgets everything (the channel layer was away: invalidations sent meanwhile never arrived).
   * Subscriptions stay; every entry is read from storage again on its next use.
   */
  forgetAll(): void {
    this.#credentialGeneration++;
    this.#credentials.clear();
    this.#historyVersion++;
    for (const [id, entry] of this.#dashboards) {
      entry.generation++;
      entry.row = null;
      entry.metrics = null;
      entry.roles.clear();
      entry.history.clear();
      entry.epoch = null;
      this.recent.forgetDashboard(id);
    }
  }

  /**
   * True when this cache still holds, unexpired and kept current by live subscriptions, both the
   * credential `principal` came from and the user's membership of the dashboard: access holds now
   * as a storage read would tell (any revocation since reached this node and removed one of them),
   * so the re-check after a connection joined its groups (access-watch.ts verify) needs no query.
   */
  vouches(principal: Principal, dashboardId: number): boolean {
    if (!this.enabled) return false;
    const now = Date.now();
    const key = this.#keyOf.get(principal);
    const credential = key === undefined ? undefined : this.#credentials.get(key);
    if (!credential || credential.value !== principal || credential.expires <= now) return false;
    const entry = this.#dashboards.get(dashboardId);
    if (!entry?.live) return false;
    const role = entry.roles.get(principal.userId);
    return role !== undefined && role.expires > now;
  }

  /** Stops every subscription (the layer is closing). */
  async close(): Promise<void> {
    const ids = [...this.#dashboards.keys()];
    await Promise.all(ids.map((id) => this.#drop(id)));
    this.#credentials.clear();
  }

  /**
   * One storage read for many handshakes missing the same entry at once (a storm on a cold node).
   * Keys carry the generation, so a read started before an invalidation is never shared after it.
   */
  #once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const pending = this.#inflight.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const started = load().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, started);
    return started;
  }

  #cached<T>(value: T): Cached<T> {
    return { value, expires: Date.now() + this.options.ttlMs };
  }

  /** The entry of a dashboard, subscribed to its group (LRU beyond maxDashboards). */
  async #entry(id: number): Promise<DashboardEntry> {
    let entry = this.#dashboards.get(id);
    if (entry) {
      this.#dashboards.delete(id);
      this.#dashboards.set(id, entry);
    } else {
      const deliver = (message: LayerMessage) => this.#onDashboardMessage(id, message);
      this.#deliver.set(id, deliver);
      const created: DashboardEntry = {
        generation: 0,
        row: null,
        metrics: null,
        roles: new Map(),
        history: new Map(),
        subscribed: Promise.resolve(),
        live: false,
        epoch: null,
      };
      created.subscribed = this.layer.subscribe(dashboardGroup(id), deliver).then(
        () => {
          created.live = true;
        },
        (err: unknown) => {
          // Not kept current: forget it, so the next handshake reads storage and tries again.
          if (this.#dashboards.get(id) === created) void this.#drop(id);
          throw err;
        },
      );
      entry = created;
      this.#dashboards.set(id, entry);
      while (this.#dashboards.size > this.options.maxDashboards) {
        void this.#drop(this.#dashboards.keys().next().value as number);
      }
    }
    await entry.subscribed;
    return entry;
  }

  async #drop(id: number): Promise<void> {
    this.#dashboards.delete(id);
    this.recent.forgetDashboard(id);
    const deliver = this.#deliver.get(id);
    this.#deliver.delete(id);
    if (!deliver) return;
    try {
      await this.layer.unsubscribe(dashboardGroup(id), deliver);
    } catch (err) {
      this.options.onError(err, `unsubscribing dashboard ${id}`);
    }
  }

  #onDashboardMessage(id: number, message: LayerMessage): void {
    const entry = this.#dashboards.get(id);
    if (!entry) return;
    const frame = message.frame;
    try {
      switch (frame.action) {
        case "metric_update": {
          const p = frame.payload as { metric_id: number; value: number; timestamp: string; offset?: number };
          this.recent.observe(id, p.metric_id, {
            value: p.value,
            timestamp: p.timestamp,
            ...(p.offset !== undefined ? { offset: p.offset } : {}),
          });
          entry.history.delete(p.metric_id);
          this.#historyVersion++;
          return;
        }
        case "dashboard_config": {
          // Renamed, metrics added, changed or deleted: read again on the next handshake.
          entry.generation++;
          entry.row = null;
          entry.history.clear();
          const kept = new Set(
            (frame.payload as { metrics: Array<{ id: number }> }).metrics.map((m) => m.id),
          );
          const before = entry.metrics?.value.metrics;
          entry.metrics = null;
          if (!before) this.recent.forgetDashboard(id);
          else for (const m of before) if (!kept.has(m.id)) this.recent.forgetMetric(m.id);
          return;
        }
        case "access_revoked": {
          const { user_id } = frame.payload as { user_id: number | null };
          entry.generation++;
          if (user_id === null) void this.#drop(id);
          else entry.roles.delete(user_id);
          return;
        }
      }
    } catch (err) {
      this.options.onError(err, `dashboard ${id} cache update`);
    }
  }

  #onCredentialMessage(message: LayerMessage): void {
    if (message.frame.action !== CREDENTIAL_REVOKED) return;
    const { group } = message.frame.payload as { group: string };
    this.#credentialGeneration++;
    for (const [key, entry] of this.#credentials) if (entry.group === group) this.#credentials.delete(key);
  }
}
