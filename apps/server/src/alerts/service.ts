// Owns live alert evaluation: it watches every point fanned out to dashboards (the same stream
// clients see), feeds each enabled rule of the point's metric to the engine, arms one timer per
// pending `duration_s` rule, and turns transitions into stored events + `alert` frames for the
// members of that dashboard only.
//
// Rule lists are cached per metric for a short time so the hot path rarely touches storage;
// changes made through this node are seen at once, those of other nodes within RULE_CACHE_MS.
// Evaluation state lives in the process that ingests (each point is fanned out by exactly one
// node); a rule's "firing" state is restored from its newest event after a restart.
import type { Alert } from "@pulseboard/client/protocol";
import type { FastifyBaseLogger } from "fastify";
import { dashboardGroup, type GroupSender } from "../fanout.ts";
import {
  dueAt,
  evaluateDeadline,
  evaluatePoint,
  initialState,
  type RuleState,
  type Transition,
} from "./engine.ts";
import { type AlertRule, alertMessage } from "./schema.ts";
import { type AlertDb, enabledRulesFor, insertEvent, isFiring } from "./store.ts";

const RULE_CACHE_MS = 2000;

type Tracked = { state: RuleState; timer: NodeJS.Timeout | null; metricName: string };
type CachedRules = { rules: AlertRule[]; at: number };

/** The part of a `metric_update` the evaluator reads. */
export type ObservedPoint = { metric_id: number; value: number; timestamp: string; metric_name: string };

export class AlertService {
  readonly #db: AlertDb;
  readonly #channels: GroupSender;
  readonly #log: FastifyBaseLogger;
  readonly #rules = new Map<number, CachedRules>();
  readonly #tracked = new Map<number, Tracked>();
  // One queue: points, deadlines and rule changes are applied in arrival order.
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: AlertDb, channels: GroupSender, log: FastifyBaseLogger) {
    this.#db = db;
    this.#channels = channels;
    this.#log = log;
  }

  /** Called for every fanned-out point; never throws, never delays the fan-out. */
  observe(point: ObservedPoint): void {
    this.#enqueue(() => this.#evaluate(point));
  }

  /** A rule was created, changed or deleted on this node: forget its cache and state. */
  ruleChanged(metricId: number, ruleId?: number): void {
    this.#enqueue(async () => {
      this.#rules.delete(metricId);
      if (ruleId !== undefined) this.#forget(ruleId);
    });
  }

  /** Resolves once everything queued so far has been applied (tests, shutdown). */
  idle(): Promise<void> {
    return this.#queue;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const id of [...this.#tracked.keys()]) this.#forget(id);
    await this.#queue;
  }

  #enqueue(task: () => Promise<void>): void {
    if (this.#closed) return;
    this.#queue = this.#queue.then(task).catch((err) => this.#log.error({ err }, "alert evaluation failed"));
  }

  #forget(ruleId: number): void {
    const t = this.#tracked.get(ruleId);
    if (t?.timer) clearTimeout(t.timer);
    this.#tracked.delete(ruleId);
  }

  async #rulesFor(metricId: number): Promise<AlertRule[]> {
    const cached = this.#rules.get(metricId);
    if (cached && Date.now() - cached.at < RULE_CACHE_MS) return cached.rules;
    const rules = await enabledRulesFor(this.#db, metricId);
    this.#rules.set(metricId, { rules, at: Date.now() });
    // Rules disabled or deleted elsewhere stop being tracked.
    const live = new Set(rules.map((r) => r.id));
    for (const old of cached?.rules ?? []) if (!live.has(old.id)) this.#forget(old.id);
    return rules;
  }

  async #evaluate(point: ObservedPoint): Promise<void> {
    const rules = await this.#rulesFor(point.metric_id);
    if (rules.length === 0) return;
    const at = Date.parse(point.timestamp);
    for (const rule of rules) {
      let tracked = this.#tracked.get(rule.id);
      if (!tracked) {
        tracked = {
          state: initialState(await isFiring(this.#db, rule.id)),
          timer: null,
          metricName: point.metric_name,
        };
        this.#tracked.set(rule.id, tracked);
      }
      tracked.metricName = point.metric_name;
      const transition = evaluatePoint(rule, tracked.state, point.value, at);
      this.#arm(rule, tracked);
      if (transition) await this.#record(rule, tracked.metricName, transition);
    }
  }

  /**
   * A pending rule fires when its breach has held for duration_s even if no further point
   * arrives: one timer per pending rule, re-armed on every point (no polling loop).
   */
  #arm(rule: AlertRule, tracked: Tracked): void {
    if (tracked.timer) clearTimeout(tracked.timer);
    tracked.timer = null;
    const due = dueAt(rule, tracked.state);
    if (due === null || tracked.state.lastAt === null) return;
    const delay = Math.max(0, due - tracked.state.lastAt);
    tracked.timer = setTimeout(() => {
      tracked.timer = null;
      this.#enqueue(async () => {
        if (this.#tracked.get(rule.id) !== tracked) return;
        const transition = evaluateDeadline(rule, tracked.state, due);
        if (transition) await this.#record(rule, tracked.metricName, transition);
      });
    }, delay);
    tracked.timer.unref();
  }

  async #record(rule: AlertRule, metricName: string, t: Transition): Promise<void> {
    const message = alertMessage(metricName, rule, t.state, t.value);
    const event = await insertEvent(this.#db, {
      rule_id: rule.id,
      dashboard_id: rule.dashboard_id,
      metric_id: rule.metric_id,
      state: t.state,
      value: t.value,
      threshold: rule.threshold,
      message,
      created_at: Date.now(),
    });
    const payload: Alert = {
      id: event.id,
      rule_id: rule.id,
      metric_id: rule.metric_id,
      metric_name: metricName,
      state: t.state,
      value: t.value,
      threshold: rule.threshold,
      message,
      timestamp: new Date(t.at).toISOString(),
    };
    // Only the members of this rule's dashboard are in its group.
    await this.#channels.groupSend(dashboardGroup(rule.dashboard_id), "alert", payload);
  }
}
