// Owns live alert evaluation: it watches every point fanned out to dashboards (the same stream
// clients see), feeds each enabled rule of the point's metric to the engine, arms one timer per
// pending `duration_s` rule, and turns transitions into stored events + `alert` frames for the
// members of that dashboard only.
//
// Evaluation state is stored per rule and updated in one transaction per metric and batch (row
// locked on PostgreSQL), so nodes of a cluster ingesting points of the same metric share one
// state machine and a transition produces exactly one event. Points observed while a batch is
// being evaluated are evaluated together next, so a 10,000-point ingest costs a few
// transactions, not 10,000. Rule lists are cached per metric for RULE_CACHE_MS; changes made
// through this node are seen at once.
import type { Alert } from "@pulseboard/client/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { DbKind } from "../db/schema.ts";
import { dashboardGroup, type GroupSender } from "../fanout.ts";
import {
  dueAt,
  evaluateDeadline,
  evaluatePoint,
  initialState,
  type RuleState,
  type Transition,
} from "./engine.ts";
import { type AlertEvent, type AlertRule, alertMessage } from "./schema.ts";
import { type AlertDb, enabledRulesFor, insertEvent, lockStates, saveState } from "./store.ts";

const RULE_CACHE_MS = 2000;

type CachedRules = { rules: AlertRule[]; at: number };
type Fired = { rule: AlertRule; event: AlertEvent; metricName: string; at: number };

/** The part of a `metric_update` the evaluator reads. */
export type ObservedPoint = { metric_id: number; value: number; timestamp: string; metric_name: string };

export class AlertService {
  readonly #db: AlertDb;
  readonly #kind: DbKind;
  readonly #channels: GroupSender;
  readonly #log: FastifyBaseLogger;
  readonly #rules = new Map<number, CachedRules>();
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #names = new Map<number, string>();
  #pending: ObservedPoint[] = [];
  /** For /metrics: points evaluated against at least one rule, and alerts announced. */
  readonly counts = { evaluations: 0, notifications: 0 };
  // One queue: batches, deadlines and rule changes are applied in arrival order.
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: AlertDb, kind: DbKind, channels: GroupSender, log: FastifyBaseLogger) {
    this.#db = db;
    this.#kind = kind;
    this.#channels = channels;
    this.#log = log;
  }

  /** Called for every fanned-out point; never throws, never delays the fan-out. */
  observe(point: ObservedPoint): void {
    if (this.#closed) return;
    this.#pending.push(point);
    if (this.#pending.length === 1) this.#enqueue(() => this.#drain());
  }

  /** A rule was created, changed or deleted on this node: forget its cached list and timer. */
  ruleChanged(metricId: number, ruleId?: number): void {
    this.#enqueue(async () => {
      this.#rules.delete(metricId);
      if (ruleId !== undefined) this.#disarm(ruleId);
    });
  }

  /** Resolves once everything queued so far has been applied (tests, shutdown). */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.#queue) {
      seen = this.#queue;
      await seen;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const id of [...this.#timers.keys()]) this.#disarm(id);
    await this.idle();
  }

  #enqueue(task: () => Promise<void>): void {
    if (this.#closed) return;
    this.#queue = this.#queue.then(task).catch((err) => this.#log.error({ err }, "alert evaluation failed"));
  }

  #disarm(ruleId: number): void {
    const timer = this.#timers.get(ruleId);
    if (timer) clearTimeout(timer);
    this.#timers.delete(ruleId);
  }

  async #rulesFor(metricId: number): Promise<AlertRule[]> {
    const cached = this.#rules.get(metricId);
    if (cached && Date.now() - cached.at < RULE_CACHE_MS) return cached.rules;
    const rules = await enabledRulesFor(this.#db, metricId);
    this.#rules.set(metricId, { rules, at: Date.now() });
    const live = new Set(rules.map((r) => r.id));
    for (const old of cached?.rules ?? []) if (!live.has(old.id)) this.#disarm(old.id);
    return rules;
  }

  async #drain(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const byMetric = new Map<number, ObservedPoint[]>();
    for (const p of batch) {
      const list = byMetric.get(p.metric_id);
      if (list) list.push(p);
      else byMetric.set(p.metric_id, [p]);
    }
    for (const [metricId, points] of byMetric) {
      const rules = await this.#rulesFor(metricId);
      if (rules.length === 0) continue;
      this.counts.evaluations += points.length;
      const metricName = points[points.length - 1]!.metric_name;
      this.#names.set(metricId, metricName);
      const { fired, states } = await this.#db.transaction().execute(async (trx) => {
        const states = await lockStates(
          trx,
          rules.map((r) => r.id),
          this.#kind === "postgres",
        );
        const fired: Fired[] = [];
        for (const rule of rules) {
          const state = states.get(rule.id) ?? initialState();
          states.set(rule.id, state);
          for (const p of points) {
            const t = evaluatePoint(rule, state, p.value, Date.parse(p.timestamp));
            if (t) fired.push(await this.#store(trx, rule, p.metric_name, t));
          }
          await saveState(trx, rule.id, state);
        }
        return { fired, states };
      });
      for (const rule of rules) this.#arm(rule, states.get(rule.id)!);
      for (const f of fired) await this.#announce(f);
    }
  }

  /**
   * A pending rule fires when its breach has held for duration_s even if no further point
   * arrives: one timer per pending rule, re-armed after every batch (no polling loop). The
   * deadline is re-checked against the stored state, so a clearing point seen by another
   * node in the meantime wins.
   */
  #arm(rule: AlertRule, state: RuleState): void {
    this.#disarm(rule.id);
    const due = dueAt(rule, state);
    if (due === null || state.lastAt === null || this.#closed) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(rule.id);
        this.#enqueue(() => this.#deadline(rule.metric_id, rule.id, due));
      },
      Math.max(0, due - state.lastAt),
    );
    timer.unref();
    this.#timers.set(rule.id, timer);
  }

  async #deadline(metricId: number, ruleId: number, due: number): Promise<void> {
    const rule = (await this.#rulesFor(metricId)).find((r) => r.id === ruleId);
    if (!rule) return;
    const metricName = this.#names.get(metricId) ?? String(metricId);
    const fired = await this.#db.transaction().execute(async (trx) => {
      const state = (await lockStates(trx, [ruleId], this.#kind === "postgres")).get(ruleId);
      if (!state) return null;
      const t = evaluateDeadline(rule, state, due);
      if (!t) return null;
      await saveState(trx, ruleId, state);
      return this.#store(trx, rule, metricName, t);
    });
    if (fired) await this.#announce(fired);
  }

  async #store(trx: AlertDb, rule: AlertRule, metricName: string, t: Transition): Promise<Fired> {
    const event = await insertEvent(trx, {
      rule_id: rule.id,
      dashboard_id: rule.dashboard_id,
      metric_id: rule.metric_id,
      state: t.state,
      value: t.value,
      threshold: rule.threshold,
      message: alertMessage(metricName, rule, t.state, t.value),
      created_at: Date.now(),
    });
    return { rule, event, metricName, at: t.at };
  }

  /** After commit: the alert to the members of this rule's dashboard (its group) only. */
  async #announce({ rule, event, metricName, at }: Fired): Promise<void> {
    this.counts.notifications++;
    const payload: Alert = {
      id: event.id,
      rule_id: rule.id,
      metric_id: rule.metric_id,
      metric_name: metricName,
      state: event.state,
      value: event.value,
      threshold: event.threshold,
      message: event.message,
      timestamp: new Date(at).toISOString(),
    };
    await this.#channels.groupSend(dashboardGroup(rule.dashboard_id), "alert", payload);
  }
}
