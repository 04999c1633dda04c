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

/** One group's sequencer on this node, shared by every subscriber of the group here. */
class Sequence {
  /** Next offset to deliver; null while the head is being read (everything waits meanwhile). */
  next: number | null = null;
  readonly held = new Map<number, LayerMessage>();
  /** Messages that arrived before the head was known, in arrival order. */
  early: LayerMessage[] | null = [];
  timer: NodeJS.Timeout | null = null;
  filling = false;
  closed = false;

  readonly subscribers = new Set<Deliver>();
  /** Resolves once the head is known (or the group has no stream). */
  ready: Promise<void> = Promise.resolve();

  constructor(
    readonly group: string,
    readonly streams: OrderedStreams,
  ) {}

  deliver(message: LayerMessage): void {
    for (const d of this.subscribers) d(message);
  }

  /** What the inner layer calls. */
  readonly wrapped: Deliver = (m) => this.accept(m);

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
  readonly #sequences = new Map<string, Sequence>();

  constructor(
    readonly inner: ChannelLayer,
    private readonly streams: OrderedStreams,
  ) {}

  reaches(group: string): boolean {
    return this.inner.reaches?.(group) ?? true;
  }

  publish(group: string, message: LayerMessage): Promise<void> {
    return this.inner.publish(group, message);
  }

  /**
   * The last offset delivered to this node's subscribers of `group`: everything up to it has
   * reached them, everything after it will, in order. Null when not subscribed (or no stream).
   */
  delivered(group: string): number | null {
    const next = this.#sequences.get(group)?.next;
    return next === null || next === undefined ? null : next - 1;
  }

  async subscribe(group: string, deliver: Deliver): Promise<void> {
    const known = this.#sequences.get(group);
    if (known) {
      known.subscribers.add(deliver);
      await known.ready;
      return;
    }
    const sequence = new Sequence(group, this.streams);
    sequence.subscribers.add(deliver);
    this.#sequences.set(group, sequence);
    sequence.ready = this.#start(sequence);
    await sequence.ready;
  }

  async #start(sequence: Sequence): Promise<void> {
    const { group } = sequence;
    // Subscribed first, head read second: every offset after the head then reaches this node.
    await this.inner.subscribe(group, sequence.wrapped);
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
      sequence.accept = (m) => sequence.deliver(m);
      for (const m of early) sequence.deliver(m);
      return;
    }
    sequence.start(head);
  }

  async unsubscribe(group: string, deliver: Deliver): Promise<void> {
    const sequence = this.#sequences.get(group);
    if (!sequence?.subscribers.delete(deliver) || sequence.subscribers.size > 0) return;
    sequence.close();
    this.#sequences.delete(group);
    await this.inner.unsubscribe(group, sequence.wrapped);
  }

  async close(): Promise<void> {
    for (const s of this.#sequences.values()) s.close();
    this.#sequences.clear();
    await this.inner.close();
  }

  onRecovered(listener: () => void): () => void {
    return this.inner.onRecovered?.(listener) ?? (() => {});
  }
}
