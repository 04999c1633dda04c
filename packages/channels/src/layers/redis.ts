// Redis channel layer: group messages travel over Redis pub/sub so a member connected to any
// node receives them. Members on the publishing node are served directly (same prepared frame,
// no round trip, and still served while Redis is down). Survives Redis restarts: ioredis
// reconnects with backoff and the layer resubscribes every group; errors go to `onError`, never thrown.
import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import type { ChannelLayer, Deliver, LayerMessage } from "./layer.ts";
import { decodeMessage, encodeMessage } from "./wire.ts";

export interface RedisLayerOptions {
  /** redis://host:port/db */
  url: string;
  /** Channel name prefix, so several apps can share one Redis (default "pb:channels:"). */
  prefix?: string;
  /** Connection errors, failed publishes, failing deliveries. Default: console.error. */
  onError?: (err: Error) => void;
  /** Extra ioredis options (both connections). */
  redis?: RedisOptions;
}

export class RedisLayer implements ChannelLayer {
  readonly #prefix: string;
  readonly #node = randomUUID();
  readonly #onError: (err: Error) => void;
  readonly #recovered = new Set<() => void>();
  #everReady = false;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #groups = new Map<string, Set<Deliver>>();
  #closed = false;

  constructor(options: RedisLayerOptions) {
    this.#prefix = options.prefix ?? "pb:channels:";
    this.#onError = options.onError ?? ((err) => console.error("[channels:redis]", err));
    const common: RedisOptions = {
      retryStrategy: (times) => Math.min(100 * times, 2000),
      maxRetriesPerRequest: 2,
      ...options.redis,
    };
    // While (re)connecting, publishes wait in the offline queue, but only for a couple of retries:
    // a longer outage fails them (reported) instead of piling up stale frames.
    this.#pub = new Redis(options.url, common);
    // The subscriber only ever talks to Redis once it is ready: SUBSCRIBEs queued before the ready
    // check make ioredis fail with "Connection in subscriber mode". On every (re)connect we
    // subscribe every wanted group ourselves, which also covers restarts of Redis.
    this.#sub = new Redis(options.url, { ...common, autoResubscribe: false, maxRetriesPerRequest: null });
    this.#sub.on("ready", () => {
      // The first ready is the start, not a recovery. Listeners run once resubscribed, so that
      // whatever they re-check cannot be missed again between their check and the subscription.
      const recovery = this.#everReady;
      this.#everReady = true;
      void this.#resubscribe().then(() => {
        if (recovery && !this.#closed) for (const listener of this.#recovered) listener();
      });
    });
    for (const [name, client] of [
      ["publisher", this.#pub],
      ["subscriber", this.#sub],
    ] as const) {
      client.on("error", (err: Error) => this.#report(err, `redis ${name}`));
      // A clean server shutdown emits no 'error', only 'close': report the outage either way.
      client.on("close", () => {
        if (!this.#closed) this.#report(new Error(`Redis ${name} connection lost; reconnecting`), "redis");
      });
    }
    this.#sub.on("message", (channel: string, raw: string) => this.#receive(channel, raw));
  }

  /** Resolves once both connections are up (e.g. before a node starts accepting clients). */
  async ready(): Promise<void> {
    await Promise.all(
      [this.#pub, this.#sub].map((client) =>
        client.status === "ready" ? undefined : new Promise((resolve) => client.once("ready", resolve)),
      ),
    );
  }

  onRecovered(listener: () => void): () => void {
    this.#recovered.add(listener);
    return () => this.#recovered.delete(listener);
  }

  /** "ready" when both connections are up. */
  get status(): string {
    return this.#pub.status === "ready" && this.#sub.status === "ready" ? "ready" : "degraded";
  }

  async publish(group: string, message: LayerMessage): Promise<void> {
    this.#deliverLocal(group, message);
    try {
      await this.#pub.publish(this.#prefix + group, encodeMessage(message, this.#node));
    } catch (err) {
      this.#report(err, `publish to ${group}`);
    }
  }

  async subscribe(group: string, deliver: Deliver): Promise<void> {
    let set = this.#groups.get(group);
    if (set) {
      set.add(deliver);
      return;
    }
    set = new Set([deliver]);
    this.#groups.set(group, set);
    // Healthy: wait, so anything published after join() is received. Not connected: do not hang
    // the join; the 'ready' handler subscribes it on (re)connect.
    if (this.#sub.status !== "ready") return;
    try {
      await this.#sub.subscribe(this.#prefix + group);
    } catch (err) {
      this.#report(err, `subscribe ${group}`);
    }
  }

  async #resubscribe(): Promise<void> {
    if (this.#closed || this.#groups.size === 0) return;
    const channels = [...this.#groups.keys()].map((g) => this.#prefix + g);
    await this.#sub.subscribe(...channels).catch((err: unknown) => this.#report(err, "resubscribe"));
  }

  async unsubscribe(group: string, deliver: Deliver): Promise<void> {
    const set = this.#groups.get(group);
    if (!set?.delete(deliver) || set.size > 0) return;
    this.#groups.delete(group);
    if (this.#closed || this.#sub.status !== "ready") return;
    try {
      await this.#sub.unsubscribe(this.#prefix + group);
    } catch (err) {
      this.#report(err, `unsubscribe ${group}`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#groups.clear();
    await Promise.all([this.#pub, this.#sub].map((client) => client.quit().catch(() => client.disconnect())));
  }

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
