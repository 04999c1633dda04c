// Group membership on this node: which local connections are in which group, and the single
// layer subscription per group that feeds them. The layer is subscribed when the first local
// member joins and unsubscribed when the last one leaves (or disconnects).
import type { ChannelLayer, Deliver, LayerMessage } from "./layers/layer.ts";

/** What the registry needs from a connection. */
export interface Member {
  readonly id: string;
  deliver(message: LayerMessage): void;
}

interface Entry {
  members: Set<Member>;
  deliver: Deliver;
  /** The pending (or settled) layer subscription; joins wait for it so nothing is missed after. */
  ready: Promise<void>;
}

export class GroupRegistry {
  readonly #groups = new Map<string, Entry>();

  constructor(
    private readonly layer: ChannelLayer,
    private readonly onError: (err: unknown, group: string) => void,
  ) {}

  async join(group: string, member: Member): Promise<void> {
    let entry = this.#groups.get(group);
    if (!entry) {
      const members = new Set<Member>();
      const deliver: Deliver = (message) => {
        for (const m of members) {
          if (m.id !== message.exclude) m.deliver(message);
        }
      };
      const created: Entry = { members, deliver, ready: Promise.resolve() };
      // A failed subscription forgets the group so the next join retries instead of failing forever.
      created.ready = this.layer.subscribe(group, deliver).catch((err: unknown) => {
        if (this.#groups.get(group) === created) this.#groups.delete(group);
        throw err;
      });
      entry = created;
      this.#groups.set(group, entry);
    }
    entry.members.add(member);
    await entry.ready;
  }

  async leave(group: string, member: Member): Promise<void> {
    const entry = this.#groups.get(group);
    if (!entry?.members.delete(member)) return;
    if (entry.members.size > 0) return;
    this.#groups.delete(group);
    try {
      await entry.ready;
      await this.layer.unsubscribe(group, entry.deliver);
    } catch (err) {
      this.onError(err, group);
    }
  }

  /** Members of `group` connected to this node. */
  size(group: string): number {
    return this.#groups.get(group)?.members.size ?? 0;
  }

  /** Groups with at least one member on this node. */
  get groupCount(): number {
    return this.#groups.size;
  }

  async clear(): Promise<void> {
    const entries = [...this.#groups];
    this.#groups.clear();
    await Promise.all(
      entries.map(([group, entry]) =>
        this.layer.unsubscribe(group, entry.deliver).catch((err) => this.onError(err, group)),
      ),
    );
  }
}
