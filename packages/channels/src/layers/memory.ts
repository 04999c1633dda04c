// The default channel layer: groups live in this process only (one-node deployments, tests).
import type { ChannelLayer, Deliver, LayerMessage } from "./layer.ts";

export class InMemoryLayer implements ChannelLayer {
  reaches(group: string): boolean {
    return this.#groups.has(group);
  }

  readonly #groups = new Map<string, Set<Deliver>>();

  async publish(group: string, message: LayerMessage): Promise<void> {
    const subscribers = this.#groups.get(group);
    if (!subscribers) return;
    for (const deliver of subscribers) deliver(message);
  }

  async subscribe(group: string, deliver: Deliver): Promise<void> {
    let set = this.#groups.get(group);
    if (!set) {
      set = new Set();
      this.#groups.set(group, set);
    }
    set.add(deliver);
  }

  async unsubscribe(group: string, deliver: Deliver): Promise<void> {
    const set = this.#groups.get(group);
    if (!set) return;
    set.delete(deliver);
    if (set.size === 0) this.#groups.delete(group);
  }

  async close(): Promise<void> {
    this.#groups.clear();
  }
}
