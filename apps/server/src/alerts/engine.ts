// Owns the alert state machine: given a rule and the points of its metric in time order, decide
// when an alert starts firing and when it resolves. Pure and synchronous so the ingest path can
// call it for every point without I/O, and so the semantics are testable without a server.
//
// Semantics (for `above`; `below` is the mirror image):
//   - the condition is breached while value > threshold;
//   - it must stay breached continuously for `duration_s` (point time) before the alert fires;
//     0 fires on the first breaching point;
//   - once firing it resolves only when value < threshold - hysteresis, so a value wobbling
//     around the threshold does not flap between firing and resolved;
//   - with `no_data_s` > 0, a metric silent for that long puts the rule in no_data (whatever it
//     was); the next point leaves no_data and is then evaluated from a clean state.
//
// One status per rule, derived from the state: firing, no_data, pending (breached, waiting for
// duration_s) or ok.
import type { AlertCondition } from "./schema.ts";

export interface RuleSpec {
  condition: AlertCondition;
  threshold: number;
  duration_s: number;
  hysteresis: number;
  /** Seconds without a point before the rule goes to no_data; 0 never does. */
  no_data_s?: number;
}

export type RuleStatus = "ok" | "pending" | "firing" | "no_data";

/** Per-rule evaluation state; mutated in place (one object per rule, none per point). */
export interface RuleState {
  firing: boolean;
  /** Point time (ms) of the first breaching point of the current unbroken breach, if not firing. */
  pendingSince: number | null;
  /** Point time (ms) and value of the newest point evaluated; older points are ignored. */
  lastAt: number | null;
  lastValue: number | null;
  /** The metric has been silent longer than no_data_s. */
  noData: boolean;
}

export interface Transition {
  state: "firing" | "resolved";
  value: number;
  /** Point time (ms) at which the transition happened. */
  at: number;
}

export function initialState(firing = false): RuleState {
  return { firing, pendingSince: null, lastAt: null, lastValue: null, noData: false };
}

export function statusOf(state: RuleState): RuleStatus {
  if (state.firing) return "firing";
  if (state.noData) return "no_data";
  return state.pendingSince === null ? "ok" : "pending";
}

/**
 * Called when `silentSinceMs` (wall time of the newest point received, or the rule's creation)
 * is more than no_data_s before `now`: the rule goes to no_data. Returns whether it changed.
 */
export function evaluateSilence(
  rule: RuleSpec,
  state: RuleState,
  silentSinceMs: number,
  now: number,
): boolean {
  const limit = rule.no_data_s ?? 0;
  if (limit <= 0 || state.noData || now - silentSinceMs < limit * 1000) return false;
  state.noData = true;
  state.firing = false;
  state.pendingSince = null;
  return true;
}

/** A point arrived while in no_data: leave it (the point is then evaluated normally). */
export function leaveNoData(state: RuleState): boolean {
  if (!state.noData) return false;
  state.noData = false;
  return true;
}

export function isBreached(rule: RuleSpec, value: number): boolean {
  return rule.condition === "above" ? value > rule.threshold : value < rule.threshold;
}

export function isCleared(rule: RuleSpec, value: number): boolean {
  return rule.condition === "above"
    ? value < rule.threshold - rule.hysteresis
    : value > rule.threshold + rule.hysteresis;
}

/**
 * Feeds one point to the rule. Returns the transition it causes, or null.
 * Points older than the newest one already seen are ignored: a late backfill must not
 * rewind live alert state.
 */
export function evaluatePoint(
  rule: RuleSpec,
  state: RuleState,
  value: number,
  at: number,
): Transition | null {
  if (!Number.isFinite(value) || !Number.isFinite(at)) return null;
  if (state.lastAt !== null && at < state.lastAt) return null;
  state.lastAt = at;
  state.lastValue = value;
  if (state.firing) {
    if (!isCleared(rule, value)) return null;
    state.firing = false;
    state.pendingSince = null;
    return { state: "resolved", value, at };
  }
  if (!isBreached(rule, value)) {
    state.pendingSince = null;
    return null;
  }
  if (state.pendingSince === null) state.pendingSince = at;
  return fireIfDue(rule, state, value, at);
}

/**
 * When the rule is pending, the point time at which it fires if no contradicting point arrives.
 * Lets the caller arm one timer instead of polling.
 */
export function dueAt(rule: RuleSpec, state: RuleState): number | null {
  if (state.firing || state.pendingSince === null) return null;
  return state.pendingSince + rule.duration_s * 1000;
}

/** Called when a pending rule's deadline passes without a new point: the breach has held. */
export function evaluateDeadline(rule: RuleSpec, state: RuleState, now: number): Transition | null {
  if (state.firing || state.pendingSince === null || state.lastValue === null) return null;
  return fireIfDue(rule, state, state.lastValue, now);
}

function fireIfDue(rule: RuleSpec, state: RuleState, value: number, now: number): Transition | null {
  if (state.pendingSince === null || now - state.pendingSince < rule.duration_s * 1000) return null;
  state.firing = true;
  state.pendingSince = null;
  return { state: "firing", value, at: now };
}
