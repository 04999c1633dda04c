// Specification of the alert state machine (pure; the HTTP/WebSocket behaviour is in alerts.test.ts).
import { describe, expect, it } from "vitest";
import { dueAt, evaluateDeadline, evaluatePoint, initialState, type RuleSpec } from "../src/alerts/engine.ts";

const above = (over: Partial<RuleSpec> = {}): RuleSpec => ({
  condition: "above",
  threshold: 90,
  duration_s: 0,
  hysteresis: 0,
  ...over,
});

/** Feeds [seconds, value] points and returns the transitions as "state@seconds". */
function run(rule: RuleSpec, points: [number, number][]): string[] {
  const state = initialState();
  const out: string[] = [];
  for (const [s, v] of points) {
    const t = evaluatePoint(rule, state, v, s * 1000);
    if (t) out.push(`${t.state}@${t.at / 1000}`);
  }
  return out;
}

describe("alert engine", () => {
  it("fires on the first breaching point when duration is 0", () => {
    expect(
      run(above(), [
        [0, 50],
        [1, 95],
      ]),
    ).toEqual(["firing@1"]);
  });

  it("does not fire at exactly the threshold", () => {
    expect(run(above(), [[0, 90]])).toEqual([]);
  });

  it("mirrors the condition for below rules", () => {
    expect(
      run(above({ condition: "below", threshold: 10 }), [
        [0, 20],
        [1, 5],
        [2, 15],
      ]),
    ).toEqual(["firing@1", "resolved@2"]);
  });

  it("fires only after the breach has held for duration_s", () => {
    expect(
      run(above({ duration_s: 10 }), [
        [0, 95],
        [5, 96],
        [9, 97],
        [10, 98],
        [11, 99],
      ]),
    ).toEqual(["firing@10"]);
  });

  it("restarts the duration when the breach is interrupted", () => {
    expect(
      run(above({ duration_s: 10 }), [
        [0, 95],
        [8, 50],
        [9, 95],
        [18, 95],
        [19, 95],
      ]),
    ).toEqual(["firing@19"]);
  });

  it("resolves only past threshold minus hysteresis, so it does not flap", () => {
    const points: [number, number][] = [
      [0, 91],
      [1, 89],
      [2, 91],
      [3, 86],
      [4, 91],
      [5, 84],
    ];
    expect(run(above({ hysteresis: 5 }), points)).toEqual(["firing@0", "resolved@5"]);
    // without hysteresis the same series flaps
    expect(run(above(), points)).toHaveLength(6);
  });

  it("applies hysteresis upward for below rules", () => {
    const rule = above({ condition: "below", threshold: 10, hysteresis: 2 });
    expect(
      run(rule, [
        [0, 9],
        [1, 11],
        [2, 12],
        [3, 12.5],
      ]),
    ).toEqual(["firing@0", "resolved@3"]);
  });

  it("does not fire twice while still firing", () => {
    expect(
      run(above(), [
        [0, 95],
        [1, 96],
        [2, 97],
      ]),
    ).toEqual(["firing@0"]);
  });

  it("ignores points older than the newest one seen", () => {
    expect(
      run(above(), [
        [10, 50],
        [5, 99],
      ]),
    ).toEqual([]);
  });

  it("ignores non-finite values", () => {
    expect(
      run(above(), [
        [0, Number.NaN],
        [1, Number.POSITIVE_INFINITY],
      ]),
    ).toEqual([]);
  });

  it("fires at the deadline when the breach holds with no newer point", () => {
    const rule = above({ duration_s: 3 });
    const state = initialState();
    expect(evaluatePoint(rule, state, 95, 1000)).toBeNull();
    expect(dueAt(rule, state)).toBe(4000);
    expect(evaluateDeadline(rule, state, 3999)).toBeNull();
    expect(evaluateDeadline(rule, state, 4000)).toEqual({ state: "firing", value: 95, at: 4000 });
    expect(dueAt(rule, state)).toBeNull();
  });

  it("does not fire at the deadline when a clearing point arrived meanwhile", () => {
    const rule = above({ duration_s: 3 });
    const state = initialState();
    evaluatePoint(rule, state, 95, 1000);
    evaluatePoint(rule, state, 10, 2000);
    expect(evaluateDeadline(rule, state, 5000)).toBeNull();
  });

  it("starts from a firing state restored from storage and resolves", () => {
    const rule = above();
    const state = initialState(true);
    expect(evaluatePoint(rule, state, 95, 0)).toBeNull();
    expect(evaluatePoint(rule, state, 10, 1000)?.state).toBe("resolved");
  });
});
