// Owns ordered streams on top of any channel layer: messages that carry a position in their
// group's stream (an offset, dense and assigned at commit) reach this node's members in offset
// order, each once, even when several nodes publish concurrently (their publishes race through
// the layer) or a node died between its commit and its publish (the message never comes).
//
// A message that arrives ahead of the next expected offset waits, at most `holdMs`, for the ones
// before it; a hole still open then is filled from storage (`fill`), because an offset after it
// being published means every offset before it was committed. Messages with no position (config,
// presence, alerts) pass straight through. Centrifugo keeps per-channel order the same way, by
// offsets and a recovery read, rather than by one publisher.
import type { ChannelLayer, Deliver, LayerMessage } from "./layer.ts";

export interface OrderedStreams {
  /** The message's offset in `group`'s stream, or null when it is not part of one. */
  offsetOf(group: string, message: LayerMessage): number | null;
  /** The last offset committed in `group`'s stream, or null when `group` has no stream. */
  head(group: string): Promise<number | null>;
  /** The stream's messages with offsets in (after, upTo], in offset order, from storage. */
  fill(group: string, after: number, upTo: number): Promise<LayerMessage[]>;
  /** How long a hole waits for its message before storage fills it (default 250 ms). */
  holdMs?: number;
  /** Messages held per group before a hole is filled at once (default 10,000). */
  maxHeld?: number;
  onError?(err: unknown, group: string): void;
}

/** One group's sequencer on this node. */
class Sequence {
  /** Next offset to deliver; null while the head is being read (everything waits meanwhile). */
  next: number | null = null;
  readonly held = new Map<number, LayerMessage>();
  /** Messages that arrived before the head was known, in arrival order. */
  early: LayerMessage[] | null = [];
  timer: NodeJS.Timeout | null = null;
  filling = false;
  closed = false;

  constructor(
    readonly group: string,
    readonly deliver: Deliver,
    readonly streams: OrderedStreams,
  ) {}

  accept(message: LayerMessage): void {
    const offset = this.streams.offsetOf(this.group, message);
    if (offset === null) {
      this.deliver(message);
      return;
    }
    if (this.next === null) {
      this.early?.push(message);
      return;
    }
    if (offset < this.next) return; // delivered already (storage filled it, or sent twice)
    if (offset === this.next) {
      this.deliver(message);
      this.next++;
      this.drain();
      return;
    }
    this.held.set(offset, message);
    if (this.held.size >= (this.streams.maxHeld ?? 10_000)) this.fillHole();
    else this.timer ??= setTimeout(() => this.fillHole(), this.streams.holdMs ?? 250);
  }

  /** The head is known: what came before it is this node's past, delivered as it came. */
  start(head: number): void {
    this.next = head + 1;
    const early = this.early ?? [];
    this.early = null;
    for (const m of early) {
      const offset = this.streams.offsetOf(this.group, m)!;
      if (offset <= head) this.deliver(m);
      else this.accept(m);
    }
  }

  drain(): void {
    while (this.next !== null && this.held.size > 0) {
      const m = this.held.get(this.next);
      if (!m) break;
      this.held.delete(this.next);
      this.deliver(m);
      this.next++;
    }
    if (this.held.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  fillHole(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.filling || this.closed || this.next === null || this.held.size === 0) return;
    this.filling = true;
    const after = this.next - 1;
    const upTo = Math.min(...this.held.keys()) - 1;
    this.streams
      .fill(this.group, after, upTo)
      .then(
        (messages) => {
          if (this.closed) return;
          for (const m of messages) {
            const offset = this.streams.offsetOf(this.group, m);
            if (offset === null || this.next === null || offset < this.next || offset > upTo) continue;
            this.deliver(m);
            this.next = offset + 1;
          }
        },
        (err: unknown) => this.streams.onError?.(err, this.group),
      )
      .finally(() => {
        this.filling = false;
        if (this.closed || this.next === null) return;
        // What storage did not have (a deleted metric's points) is skipped, never waited for.
        if (this.next <= upTo) this.next = upTo + 1;
        this.drain();
        if (this.held.size > 0) this.timer ??= setTimeout(() => this.fillHole(), this.streams.holdMs ?? 250);
      });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held.clear();
  }
}

export class OrderedLayer implements ChannelLayer {
  readonly #sequences = new Map<Deliver, Sequence>();
  readonly #wrapped = new Map<Deliver, Deliver>();

  constructor(
    readonly inner: ChannelLayer,
    private readonly streams: OrderedStreams,
  ) {}

  publish(group: string, message: LayerMessage): Promise<void> {
    return this.inner.publish(group, message);
  }

  async subscribe(group: string, deliver: Deliver): Promise<void> {
    const sequence = new Sequence(group, deliver, this.streams);
    const wrapped: Deliver = (m) => sequence.accept(m);
    this.#sequences.set(deliver, sequence);
    this.#wrapped.set(deliver, wrapped);
    // Subscribed first, head read second: every offset after the head then reaches this node.
    await this.inner.subscribe(group, wrapped);
    let head: number | null = null;
    try {
      head = await this.streams.head(group);
    } catch (err) {
      this.streams.onError?.(err, group);
    }
    if (head === null) {
      // No stream (or it could not be read): deliver as it comes, unordered.
      const early = sequence.early ?? [];
      sequence.early = null;
      sequence.accept = (m) => deliver(m);
      for (const m of early) deliver(m);
      return;
    }
    sequence.start(head);
  }

  async unsubscribe(group: string, deliver: Deliver): Promise<void> {
    const wrapped = this.#wrapped.get(deliver);
    this.#sequences.get(deliver)?.close();
    this.#sequences.delete(deliver);
    this.#wrapped.delete(deliver);
    if (wrapped) await this.inner.unsubscribe(group, wrapped);
  }

  async close(): Promise<void> {
    for (const s of this.#sequences.values()) s.close();
    this.#sequences.clear();
    this.#wrapped.clear();
    await this.inner.close();
  }

  onRecovered(listener: () => void): () => void {
    return this.inner.onRecovered?.(listener) ?? (() => {});
  }
}
