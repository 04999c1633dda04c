// Group membership on this node: which local connections are in which group, and the single
// layer subscription per group that feeds them. The layer is subscribed when the first local
// member joins and unsubscribed when the last one leaves (or disconnects). Members that share
// topics are fed through the group's cohorts (shared-fanout.ts), the others one by one.
import type { ChannelLayer, Deliver } from "./layers/layer.ts";
import { SharedGroup, type SharedMember } from "./shared-fanout.ts";

/** What the registry needs from a connection. */
export type Member = SharedMember;

interface Entry {
  members: Set<Member>;
  /** Members on the per-connection path (no shared topics, or behind). */
  individual: Set<Member>;
  /** Members in a cohort, by the key they joined it with. */
  sharing: Map<Member, string>;
  shared: SharedGroup;
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
      const individual = new Set<Member>();
      const shared = new SharedGroup();
      const deliver: Deliver = (message) => {
        for (const m of individual) {
          if (m.id !== message.exclude) m.deliver(message);
        }
        if (!shared.empty) shared.offer(message);
      };
      const created: Entry = {
        members,
        individual,
        sharing: new Map(),
        shared,
        deliver,
        ready: Promise.resolve(),
      };
      // A failed subscription forgets the group so the next join retries instead of failing forever.
      created.ready = this.layer.subscribe(group, deliver).catch((err: unknown) => {
        if (this.#groups.get(group) === created) this.#groups.delete(group);
        throw err;
      });
      entry = created;
      this.#groups.set(group, entry);
    }
    if (!entry.members.has(member)) {
      entry.members.add(member);
      this.#place(entry, member);
    }
    await entry.ready;
  }

  /** The member's shared topics changed (or it fell behind / caught up): move it in every group. */
  reshare(groups: Iterable<string>, member: Member): void {
    for (const group of groups) {
      const entry = this.#groups.get(group);
      if (!entry?.members.has(member)) continue;
      const key = entry.sharing.get(member);
      if (key !== undefined && key === member.shareKey) continue;
      this.#unplace(entry, member, true);
      this.#place(entry, member);
    }
  }

  #place(entry: Entry, member: Member): void {
    const key = member.shareKey;
    if (key === null) {
      entry.individual.add(member);
      return;
    }
    entry.sharing.set(member, key);
    entry.shared.add(member);
  }

  #unplace(entry: Entry, member: Member, handOver: boolean): void {
    const key = entry.sharing.get(member);
    if (key === undefined) {
      entry.individual.delete(member);
      return;
    }
    entry.sharing.delete(member);
    entry.shared.remove(member, key, handOver);
  }

  async leave(group: string, member: Member): Promise<void> {
    const entry = this.#groups.get(group);
    if (!entry?.members.delete(member)) return;
    this.#unplace(entry, member, false);
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
