// What the client wants the server to know, kept across disconnects: the subscription intent
// (subscribe/unsubscribe coalesced into one set, series selectors, re-sent after every reconnect),
// the pause intent,
// and a bounded FIFO of other messages sent while offline.
import { ClientQueueFullError } from "./errors.ts";
import type { ClientMessage } from "./protocol.ts";

export class Outbox {
  readonly subscribed = new Set<number>();
  /** Ids explicitly unsubscribed, re-sent too in case the server subscribes to all on connect. */
  readonly unsubscribed = new Set<number>();
  /** `subscribe_series` selectors held (re-sent after the id subscriptions on every connect). */
  readonly selectors = new Set<string>();
  paused = false;
  #queue: ClientMessage[] = [];

  constructor(private readonly limit: number) {}

  get queued(): number {
    return this.#queue.length;
  }

  subscribe(ids: readonly number[]): void {
    for (const id of ids) {
      this.subscribed.add(id);
      this.unsubscribed.delete(id);
    }
  }

  unsubscribe(ids: readonly number[]): void {
    for (const id of ids) {
      this.subscribed.delete(id);
      this.unsubscribed.add(id);
    }
  }

  /** Queues a message for the next connection; throws ClientQueueFullError at the limit. */
  enqueue(message: ClientMessage): void {
    if (this.#queue.length >= this.limit) throw new ClientQueueFullError(this.limit);
    this.#queue.push(message);
  }

  /** Empties the queue, returning what was in it in order. */
  drain(): ClientMessage[] {
    const out = this.#queue;
    this.#queue = [];
    return out;
  }
}
