// coalesceFresh (ws/coalesce.ts): callers that ask at once share reads, and none of them is given
// a result read before it asked.
import { describe, expect, it } from "vitest";
import { coalesceFresh } from "../src/ws/coalesce.ts";

/** A read whose answers the spec releases one by one; each answers the value at its start. */
function controlledRead() {
  let value = 0;
  const started: Array<{ key: string; seen: number; answer: () => void; fail: () => void }> = [];
  const read = (key: string) =>
    new Promise<number>((resolve, reject) => {
      const seen = value;
      started.push({ key, seen, answer: () => resolve(seen), fail: () => reject(new Error("boom")) });
    });
  return { read, started, set: (v: number) => (value = v) };
}

const turn = () => new Promise((r) => setImmediate(r));

describe("coalesceFresh", () => {
  it("gives a caller that arrives during a read the next read, shared with the others that wait", async () => {
    const r = controlledRead();
    const get = coalesceFresh(r.read);
    const first = get("a");
    r.set(1); // changed after the first read started: later callers must see it
    const later = [get("a"), get("a"), get("a")];
    expect(r.started.map((s) => s.seen)).toEqual([0]);
    r.started[0]!.answer();
    await turn();
    expect(r.started.map((s) => s.seen)).toEqual([0, 1]); // one more read, started after the change
    r.started[1]!.answer();
    expect(await first).toBe(0);
    expect(await Promise.all(later)).toEqual([1, 1, 1]);
    // Nothing in flight any more: the next caller starts its own read.
    const after = get("a");
    expect(r.started).toHaveLength(3);
    r.started[2]!.answer();
    expect(await after).toBe(1);
  });

  it("keeps keys apart and passes a failed read to its callers only", async () => {
    const r = controlledRead();
    const get = coalesceFresh(r.read);
    const a = get("a");
    const b = get("b");
    expect(r.started.map((s) => s.key)).toEqual(["a", "b"]);
    r.started[0]!.fail();
    r.started[1]!.answer();
    await expect(a).rejects.toThrow("boom");
    expect(await b).toBe(0);
    const again = get("a"); // a failure leaves nothing behind
    r.started[2]!.answer();
    expect(await again).toBe(0);
  });
});
