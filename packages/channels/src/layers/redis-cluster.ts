// Redis Cluster channel layer: group messages travel over sharded pub/sub (SPUBLISH/SSUBSCRIBE,
// Redis 7), so each group lives on the shard that owns its channel's hash slot and the fan-out
// capacity grows with the number of masters (classic PUBLISH is broadcast to every node of a
// cluster, so it does not scale out). Owns the slot map, one publisher and one subscriber
// connection per master, and moving subscriptions when masters change (failover, resharding).
//
// Why not ioredis' Cluster client: in our failover spec its publisher kept following a stale
// slot map to the dead master (MOVED loops for minutes) and its sharded subscribers never
// resubscribed. Here the slot map is re-read every `topologyRefreshMs` and at once on any error,
// and every shard's subscriptions are reconciled against it; nothing is cached past a refresh.
//
// Delivery during a failover: a publish to a shard that is down is retried once on the owner
// the refreshed map names, then counted as lost (`stats().lost`) and reported to `onError`
// naming the group. Once the replica is promoted and every node has resubscribed (`status` is
// "ready"), delivery is complete again.
import { randomUUID } from "node:crypto";
import calculateSlot from "cluster-key-slot";
import { Redis, type RedisOptions } from "ioredis";
import type { ChannelLayer, Deliver, LayerMessage } from "./layer.ts";
import { decodeMessage, encodeMessage } from "./wire.ts";

export interface RedisClusterLayerOptions {
  /** Seed nodes, redis://host:port (any subset of the cluster; the rest is discovered). */
  nodes: string[];
  /** Channel name prefix (default "pb:channels:"). */
  prefix?: string;
  /** Connection errors, lost publishes, failing deliveries. Default: console.error. */
  onError?: (err: Error) => void;
  /** How often the slot map is re-read when nothing failed (default 1000 ms). */
  topologyRefreshMs?: number;
  /** Extra ioredis options for every node connection. */
  redis?: RedisOptions;
}

type Shard = {
  key: string;
  pub: Redis;
  sub: Redis;
  /** Channels SSUBSCRIBEd on `sub` since its last (re)connect. */
  subscribed: Set<string>;
};

type Address = { host: string; port: number };

const SLOTS = 16384;
const COMMAND_TIMEOUT_MS = 2000;

function parseNode(url: string): Address {
  const u = new URL(url.includes("://") ? url : `redis://${url}`);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

const keyOf = (a: Address) => `${a.host}:${a.port}`;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: no answer within ${COMMAND_TIMEOUT_MS} ms`)),
        COMMAND_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export class RedisClusterLayer implements ChannelLayer {
  readonly #prefix: string;
  readonly #node = randomUUID();
  readonly #onError: (err: Error) => void;
  readonly #redisOptions: RedisOptions;
  readonly #known = new Map<string, Address>();
  readonly #groups = new Map<string, Set<Deliver>>();
  readonly #slotOf = new Map<string, number>();
  readonly #shards = new Map<string, Shard>();
  /** slot → key of the master serving it ("" while unknown). */
  #slots: string[] = new Array<string>(SLOTS).fill("");
  #refreshing: Promise<void> | undefined;
  #timer: NodeJS.Timeout;
  #closed = false;
  #lost = 0;
  #published = 0;
  #failovers = 0;
  #firstMap: Promise<void>;

  constructor(options: RedisClusterLayerOptions) {
    if (options.nodes.length === 0) throw new Error("RedisClusterLayer needs at least one seed node");
    this.#prefix = options.prefix ?? "pb:channels:";
    this.#onError = options.onError ?? ((err) => console.error("[channels:redis-cluster]", err));
    this.#redisOptions = {
      retryStrategy: (times) => Math.min(100 * times, 1000),
      maxRetriesPerRequest: 1,
      ...options.redis,
    };
    for (const url of options.nodes) {
      const a = parseNode(url);
      this.#known.set(keyOf(a), a);
    }
    this.#firstMap = this.#untilMapped();
    this.#timer = setInterval(() => void this.#refresh(), options.topologyRefreshMs ?? 1000);
    this.#timer.unref();
  }

  /** Resolves once the slot map is known and every master's connections are up. */
  async ready(): Promise<void> {
    await this.#firstMap;
    await Promise.all(
      [...this.#shards.values()].flatMap((s) =>
        [s.pub, s.sub].map((c) =>
          c.status === "ready" ? undefined : new Promise((resolve) => c.once("ready", resolve)),
        ),
      ),
    );
    for (const shard of this.#shards.values()) await this.#sync(shard);
  }

  /** "ready" when every slot has a reachable master and every group is subscribed on its owner. */
  get status(): string {
    if (this.#slots.includes("")) return "degraded";
    for (const shard of this.#shards.values())
      if (shard.pub.status !== "ready" || shard.sub.status !== "ready") return "degraded";
    for (const channel of this.#channels()) {
      if (!this.#shardFor(channel)?.subscribed.has(channel)) return "degraded";
    }
    return "ready";
  }

  /** For diagnostics: each master's connection states and subscribed channels. */
  describe(): object {
    return {
      unmapped: this.#slots.filter((k) => !k).length,
      shards: [...this.#shards.values()].map((s) => ({
        key: s.key,
        pub: s.pub.status,
        sub: s.sub.status,
        subscribed: [...s.subscribed],
      })),
      wanted: this.#channels().map((c) => [c, this.#slots[this.#slot(c)]]),
    };
  }

  /** Masters in use, messages published and lost (a shard was down), master changes seen. */
  stats(): { shards: number; published: number; lost: number; failovers: number } {
    return {
      shards: this.#shards.size,
      published: this.#published,
      lost: this.#lost,
      failovers: this.#failovers,
    };
  }

  async publish(group: string, message: LayerMessage): Promise<void> {
    this.#deliverLocal(group, message);
    const channel = this.#prefix + group;
    const text = encodeMessage(message, this.#node);
    let failure: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      const shard = this.#shardFor(channel);
      if (shard) {
        try {
          // A command written just as its master dies can stay pending: bound it.
          await withTimeout(shard.pub.spublish(channel, text), `SPUBLISH on ${shard.key}`);
          this.#published++;
          return;
        } catch (err) {
          failure = err;
        }
      } else failure = new Error(`no master serves slot ${this.#slot(channel)}`);
      if (this.#closed) return;
      await this.#refresh();
    }
    this.#lost++;
    this.#report(failure, `group message to ${group} lost (shard unavailable; ${this.#lost} lost so far)`);
  }

  async subscribe(group: string, deliver: Deliver): Promise<void> {
    let set = this.#groups.get(group);
    if (set) {
      set.add(deliver);
      return;
    }
    set = new Set([deliver]);
    this.#groups.set(group, set);
    // Healthy: wait, so anything published after join() is received. Shard down: do not hang
    // the join; the shard's 'ready' handler (or the next refresh) subscribes it.
    const channel = this.#prefix + group;
    const shard = this.#shardFor(channel);
    if (shard?.sub.status === "ready") await this.#ssubscribe(shard, [channel]);
  }

  async unsubscribe(group: string, deliver: Deliver): Promise<void> {
    const set = this.#groups.get(group);
    if (!set?.delete(deliver) || set.size > 0) return;
    this.#groups.delete(group);
    const channel = this.#prefix + group;
    this.#slotOf.delete(channel);
    for (const shard of this.#shards.values()) {
      if (!shard.subscribed.delete(channel) || shard.sub.status !== "ready") continue;
      await withTimeout(shard.sub.sunsubscribe(channel), `SUNSUBSCRIBE on ${shard.key}`).catch(
        (err: unknown) => this.#report(err, `unsubscribe ${group}`),
      );
    }
  }

  /** Runs a Lua script on the master owning `keys[0]` (all keys must share its slot). */
  async eval(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const first = keys[0];
    if (first === undefined) throw new Error("eval needs at least one key to route by");
    let failure: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      const shard = this.#shardFor(first);
      if (shard) {
        try {
          return await shard.pub.eval(script, keys.length, ...keys, ...args);
        } catch (err) {
          failure = err;
        }
      }
      await this.#refresh();
    }
    throw failure instanceof Error ? failure : new Error(`no master serves the slot of ${first}`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#groups.clear();
    await Promise.all([...this.#shards.values()].map((s) => this.#closeShard(s)));
    this.#shards.clear();
  }

  // --- topology ---------------------------------------------------------------------------

  async #untilMapped(): Promise<void> {
    while (!this.#closed) {
      await this.#refresh();
      if (!this.#slots.includes("")) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Re-reads the slot map (one refresh at a time; callers during one share it). */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#readSlots()
      .then((slots) => {
        if (slots) this.#apply(slots);
      })
      .catch((err: unknown) => this.#report(err, "reading the cluster slot map"))
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** CLUSTER SLOTS from the first node that answers: a ready master connection, else any known node. */
  async #readSlots(): Promise<string[] | undefined> {
    if (this.#closed) return undefined;
    const ready = [...this.#shards.values()].filter((s) => s.pub.status === "ready");
    const tried = new Set<string>();
    for (const shard of ready) {
      tried.add(shard.key);
      const reply = await withTimeout(shard.pub.cluster("SLOTS"), "CLUSTER SLOTS").catch(() => undefined);
      if (reply) return this.#parseSlots(reply as unknown[], shard.key);
    }
    for (const [key, address] of this.#known) {
      if (tried.has(key) || this.#closed) continue;
      const probe = new Redis({
        ...address,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 500,
      });
      probe.on("error", () => {});
      try {
        await probe.connect();
        const reply = await withTimeout(probe.cluster("SLOTS"), "CLUSTER SLOTS");
        return this.#parseSlots(reply as unknown[], key);
      } catch {
        // next node
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`no Redis Cluster node answered (tried ${[...this.#known.keys()].join(", ")})`);
  }

  #parseSlots(reply: unknown[], askedKey: string): string[] {
    const asked = this.#known.get(askedKey) ?? parseNode(askedKey);
    const slots = new Array<string>(SLOTS).fill("");
    for (const entry of reply as Array<[number, number, ...Array<[string, number]>]>) {
      const [start, end, master, ...replicas] = entry;
      if (!master) continue;
      for (const [host, port] of [master, ...replicas]) {
        const a = { host: host || asked.host, port: Number(port) };
        this.#known.set(keyOf(a), a);
      }
      const key = keyOf({ host: master[0] || asked.host, port: Number(master[1]) });
      for (let slot = start; slot <= end; slot++) slots[slot] = key;
    }
    return slots;
  }

  #apply(slots: string[]): void {
    if (this.#closed) return;
    const owners = new Set(slots.filter(Boolean));
    const changed = slots.some((key, slot) => key !== this.#slots[slot]);
    if (changed && !this.#slots.includes("")) this.#failovers++;
    this.#slots = slots;
    for (const key of owners) if (!this.#shards.has(key)) this.#shards.set(key, this.#openShard(key));
    for (const [key, shard] of this.#shards) {
      if (owners.has(key)) continue;
      this.#shards.delete(key);
      void this.#closeShard(shard);
    }
    for (const shard of this.#shards.values()) void this.#sync(shard);
  }

  // --- shards -----------------------------------------------------------------------------

  #openShard(key: string): Shard {
    const address = this.#known.get(key) ?? parseNode(key);
    const pub = new Redis({ ...this.#redisOptions, ...address });
    // The subscriber resubscribes itself (below) from the slot map, not from ioredis' memory.
    const sub = new Redis({
      ...this.#redisOptions,
      ...address,
      autoResubscribe: false,
      maxRetriesPerRequest: null,
    });
    const shard: Shard = { key, pub, sub, subscribed: new Set() };
    for (const [name, client] of [
      ["publisher", pub],
      ["subscriber", sub],
    ] as const) {
      client.on("error", (err: Error) => this.#report(err, `redis ${name} ${key}`));
      client.on("close", () => {
        if (this.#closed || !this.#shards.has(key)) return;
        this.#report(
          new Error(`Redis Cluster ${name} connection to ${key} lost; re-reading the slot map`),
          "redis",
        );
        if (client === sub) shard.subscribed.clear();
        void this.#refresh();
      });
    }
    sub.on("ready", () => void this.#sync(shard));
    // ioredis leaves an SSUBSCRIBE answered with MOVED pending and emits 'moved': re-read the map.
    sub.on("moved", () => void this.#refresh());
    sub.on("smessage", (channel: string, raw: string) => this.#receive(channel, raw));
    return shard;
  }

  async #closeShard(shard: Shard): Promise<void> {
    await Promise.all(
      [shard.pub, shard.sub].map((c) =>
        c.status === "ready" ? c.quit().catch(() => c.disconnect()) : Promise.resolve(c.disconnect()),
      ),
    );
  }

  /** Makes `shard.sub` subscribed to exactly the wanted channels its slots own. */
  async #sync(shard: Shard): Promise<void> {
    if (this.#closed || shard.sub.status !== "ready") return;
    const wanted = new Set<string>();
    for (const channel of this.#channels())
      if (this.#slots[this.#slot(channel)] === shard.key) wanted.add(channel);
    const add = [...wanted].filter((c) => !shard.subscribed.has(c));
    const drop = [...shard.subscribed].filter((c) => !wanted.has(c));
    // SSUBSCRIBE takes several channels only when they share a slot.
    const bySlot = new Map<number, string[]>();
    for (const channel of add) {
      const slot = this.#slot(channel);
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), channel]);
    }
    await Promise.all([...bySlot.values()].map((channels) => this.#ssubscribe(shard, channels)));
    for (const channel of drop) {
      shard.subscribed.delete(channel);
      await withTimeout(shard.sub.sunsubscribe(channel), `SUNSUBSCRIBE on ${shard.key}`).catch(() => {});
    }
  }

  async #ssubscribe(shard: Shard, channels: string[]): Promise<void> {
    try {
      await withTimeout(shard.sub.ssubscribe(...channels), `SSUBSCRIBE on ${shard.key}`);
      for (const c of channels) shard.subscribed.add(c);
    } catch (err) {
      this.#report(err, `subscribe on ${shard.key}`);
      void this.#refresh();
    }
  }

  #channels(): string[] {
    return [...this.#groups.keys()].map((g) => this.#prefix + g);
  }

  #slot(channel: string): number {
    let slot = this.#slotOf.get(channel);
    if (slot === undefined) {
      slot = calculateSlot(channel);
      if (this.#slotOf.size > 100_000) this.#slotOf.clear();
      this.#slotOf.set(channel, slot);
    }
    return slot;
  }

  #shardFor(keyOrChannel: string): Shard | undefined {
    const key = this.#slots[this.#slot(keyOrChannel)];
    return key ? this.#shards.get(key) : undefined;
  }

  // --- delivery ---------------------------------------------------------------------------

  #receive(channel: string, raw: string): void {
    if (!channel.startsWith(this.#prefix)) return;
    const group = channel.slice(this.#prefix.length);
    let decoded: ReturnType<typeof decodeMessage>;
    try {
      decoded = decodeMessage(raw);
    } catch (err) {
      this.#report(err, `undecodable message on ${channel}`);
      return;
    }
    if (decoded.node === this.#node) return; // already delivered locally by publish()
    this.#deliverLocal(group, decoded.message);
  }

  #deliverLocal(group: string, message: LayerMessage): void {
    const set = this.#groups.get(group);
    if (!set) return;
    for (const deliver of set) {
      try {
        deliver(message);
      } catch (err) {
        this.#report(err, `delivery to ${group}`);
      }
    }
  }

  #report(err: unknown, context: string): void {
    const error = err instanceof Error ? err : new Error(String(err));
    try {
      this.#onError(Object.assign(error, { context }));
    } catch {
      // a failing error hook must not take the process down either
    }
  }
}
