// Owns fan-out without per-connection work per frame. Connections of a group that declared the
// same topic set (`ctx.shareTopics`) form a cohort; the frames published to the group during one
// event-loop turn that a cohort would receive are concatenated once into one Buffer and that same
// Buffer is written to each member's socket — one write per client per turn, and no handler call,
// filter, queue push or conflation bookkeeping per client per frame. At 10,000 clients this per-
// client, per-frame work cost about 3× writing the bytes (docs/BENCHMARKS.md).
//
// What is shared is exactly what the per-connection path would send: a plain frame or an event
// without a handler (everyone), or an event listed in the consumer's `sharedEvents` whose topic is
// in the cohort's set (the consumer promises its handler would forward that frame as-is). Anything
// else — an event that needs its handler, a message excluding one connection — first writes out
// what is pending, then goes through every member's `deliver` as before, so order is kept.
//
// A member stays on the per-connection path (its outbox: holding, conflation, 4008) while it is
// behind; it rejoins its cohort once its outbox is empty again. A member that joins or leaves a
// cohort mid-turn gets exactly the frames published while it was in it (join index / hand-over).
import type { AnyConsumer } from "./consumer.ts";
import { flushBatchSoon } from "./flush-phase.ts";
import type { PreparedFrame } from "./frame.ts";
import type { LayerMessage } from "./layers/layer.ts";

export type Topic = string | number;

/** What a cohort needs from a connection. */
export interface SharedMember {
  readonly id: string;
  readonly consumer: AnyConsumer;
  /** The topic set while this member takes shared batches; null: per-connection path. */
  readonly sharedTopics: ReadonlySet<Topic> | null;
  /** Cohort identity of `sharedTopics` (same key, same set). */
  readonly shareKey: string | null;
  deliver(message: LayerMessage): void;
  /** Writes one shared batch of `frames` frames; false when the peer is behind (the caller hands it the frames instead). */
  writeShared(bytes: Buffer, frames: number): boolean;
  /** Frames it missed being shared (behind, or left the cohort mid-turn), through its own outbox. */
  sendRaw(frame: PreparedFrame): boolean;
  /** Called when writeShared refused: it is on the per-connection path until its outbox drains. */
  demote(): void;
}

const EVERYONE = Symbol("everyone");
const INDIVIDUAL = Symbol("individual");
type Route = Topic | typeof EVERYONE | typeof INDIVIDUAL;

/** How `consumer`'s connections that share topics take `message`. */
function routeOf(consumer: AnyConsumer, message: LayerMessage): Route {
  if (message.exclude !== null) return INDIVIDUAL;
  if (message.kind === "frame") return EVERYONE;
  const action = message.frame.action;
  const definition = consumer.definition;
  const topic = (
    definition.sharedEvents as Record<string, ((e: unknown) => Topic) | undefined> | undefined
  )?.[action];
  if (topic) return topic(message.frame.payload);
  return definition.eventHandlers?.[action] ? INDIVIDUAL : EVERYONE;
}

type Item = { frame: PreparedFrame; routes: Map<AnyConsumer, Route> };

class Cohort {
  readonly members = new Set<SharedMember>();
  /** Members that joined while items were pending: the index of the first item that is theirs. */
  readonly late = new Map<SharedMember, number>();
  constructor(
    readonly consumer: AnyConsumer,
    readonly topics: ReadonlySet<Topic>,
  ) {}

  takes(item: Item): boolean {
    const route = item.routes.get(this.consumer);
    return route === EVERYONE || (route !== undefined && route !== INDIVIDUAL && this.topics.has(route));
  }
}

/** One group's cohorts and its pending batch on this node. */
export class SharedGroup {
  readonly #cohorts = new Map<string, Cohort>();
  readonly #consumers = new Map<AnyConsumer, number>();
  #pending: Item[] = [];
  #scheduled = false;

  get empty(): boolean {
    return this.#cohorts.size === 0;
  }

  /** Every member of every cohort (for per-connection delivery). */
  *members(): Iterable<SharedMember> {
    for (const cohort of this.#cohorts.values()) yield* cohort.members;
  }

  add(member: SharedMember): void {
    const key = member.shareKey;
    const topics = member.sharedTopics;
    if (key === null || topics === null) return;
    let cohort = this.#cohorts.get(key);
    if (!cohort) {
      cohort = new Cohort(member.consumer, topics);
      this.#cohorts.set(key, cohort);
      this.#consumers.set(member.consumer, (this.#consumers.get(member.consumer) ?? 0) + 1);
    }
    cohort.members.add(member);
    if (this.#pending.length > 0) cohort.late.set(member, this.#pending.length);
  }

  /** Leaves its cohort (by the key it joined with); frames pending for it go to its outbox. */
  remove(member: SharedMember, key: string, handOver: boolean): void {
    const cohort = this.#cohorts.get(key);
    if (!cohort?.members.delete(member)) return;
    const from = cohort.late.get(member) ?? 0;
    cohort.late.delete(member);
    if (handOver) {
      for (let i = from; i < this.#pending.length; i++) {
        const item = this.#pending[i] as Item;
        if (cohort.takes(item)) member.sendRaw(item.frame);
      }
    }
    if (cohort.members.size === 0) {
      this.#cohorts.delete(key);
      const n = (this.#consumers.get(cohort.consumer) ?? 1) - 1;
      if (n === 0) this.#consumers.delete(cohort.consumer);
      else this.#consumers.set(cohort.consumer, n);
    }
  }

  /** A group message for the cohorts: batched, or (needs a handler) delivered to each member now. */
  offer(message: LayerMessage): void {
    const routes = new Map<AnyConsumer, Route>();
    let individual = false;
    for (const consumer of this.#consumers.keys()) {
      const route = routeOf(consumer, message);
      if (route === INDIVIDUAL) individual = true;
      routes.set(consumer, route);
    }
    if (individual) {
      // Whatever is pending was published first: it leaves first.
      this.flush();
      for (const m of [...this.members()]) if (m.id !== message.exclude) m.deliver(message);
      return;
    }
    // Serialize and frame now, once, while the payload is fresh (as the outbox does).
    void message.frame.wire;
    this.#pending.push({ frame: message.frame, routes });
    if (!this.#scheduled) {
      this.#scheduled = true;
      flushBatchSoon(this);
    }
  }

  /** Writes the pending batch: one Buffer per cohort, the same Buffer to each of its members. */
  flush(): void {
    this.#scheduled = false;
    const items = this.#pending;
    if (items.length === 0) return;
    this.#pending = [];
    for (const cohort of [...this.#cohorts.values()]) {
      const parts: Buffer[] = [];
      // Byte offset and frame count before item i within this cohort's Buffer, only needed for
      // late joiners.
      const offsets = cohort.late.size > 0 ? new Array<number>(items.length + 1) : undefined;
      const before = offsets ? new Array<number>(items.length + 1) : undefined;
      let bytes = 0;
      for (let i = 0; i < items.length; i++) {
        if (offsets) offsets[i] = bytes;
        if (before) before[i] = parts.length;
        const item = items[i] as Item;
        if (!cohort.takes(item)) continue;
        parts.push(item.frame.wire);
        bytes += item.frame.wire.length;
      }
      if (offsets) offsets[items.length] = bytes;
      if (before) before[items.length] = parts.length;
      const late = cohort.late.size > 0 ? new Map(cohort.late) : undefined;
      cohort.late.clear();
      if (parts.length === 0) continue;
      const batch = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, bytes);
      for (const member of [...cohort.members]) {
        const from = late?.get(member) ?? 0;
        const mine = from === 0 ? batch : batch.subarray(offsets?.[from] ?? 0);
        const frames = parts.length - (from === 0 ? 0 : (before?.[from] ?? 0));
        if (mine.length === 0 || member.writeShared(mine, frames)) continue;
        // Behind: it leaves the cohort, and this turn's frames go to its outbox (held, conflated).
        member.demote();
        for (let i = from; i < items.length; i++) {
          const item = items[i] as Item;
          if (cohort.takes(item)) member.sendRaw(item.frame);
        }
      }
    }
  }
}
