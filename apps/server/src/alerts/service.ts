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
//
// One state per rule (ok, pending, firing, no_data) with its open event: a transition closes the
// event it replaces, so only the current firing state can be acknowledged, and editing, disabling
// or deleting a rule closes its open event (supersede). Each transition writes its outbox rows
// (policy.ts) in the same transaction, and the outbox (outbox.ts) delivers them. A periodic tick
// puts silent metrics in no_data and repeats still-firing alerts; both re-check the stored state
// under its lock, so on several nodes each happens once.
import type { ContractSender } from "@pulseboard/channels";
import type { Alert } from "@pulseboard/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { DbKind } from "../db/schema.ts";
import { metricNameOf } from "../metrics/store.ts";
import { dashboardContract } from "../ws/dashboard-contract.ts";
import { dashboardGroup } from "../ws/fanout.ts";
import {
  dueAt,
  evaluateDeadline,
  evaluatePoint,
  evaluateSilence,
  leaveNoData,
  type RuleState,
  statusOf,
} from "./engine.ts";
import type { NotificationItem } from "./notifiers/message.ts";
import type { Outbox } from "./outbox.ts";
import { notifyRepeats, notifyTransitions, type OpenAlert } from "./policy.ts";
import { type AlertReason, type AlertRule, type AlertState, alertMessage } from "./schema.ts";
import {
  type AlertDb,
  blankState,
  closeEvent,
  enabledRulesFor,
  enabledRulesOf,
  getRule,
  insertEvent,
  lockStates,
  openEvents,
  type StoredState,
  saveState,
  saveStates,
  silentRuleIds,
} from "./store.ts";

const RULE_CACHE_MS = 2000;
const SEEN_WRITE_MS = 1000;

/** A rule's "last seen" is written often enough for its no-data time to be judged within a quarter. */
function seenWriteMs(rule: AlertRule): number {
  return rule.no_data_s > 0 ? Math.min(SEEN_WRITE_MS, rule.no_data_s * 250) : SEEN_WRITE_MS;
}

/** What of a state must reach the database at once (everything but the newest point). */
function keyOf(s: StoredState): string {
  return `${s.firing}|${s.pendingSince}|${s.noData}|${s.eventId}|${s.since}`;
}

type CachedRules = { rules: AlertRule[]; at: number };
type Change = { state: AlertState; reason: AlertReason; value: number; at: number };
type Fired = { rule: AlertRule; item: NotificationItem };

/** The part of a `metric_update` the evaluator reads. */
export type ObservedPoint = { metric_id: number; value: number; timestamp: string; metric_name: string };

export class AlertService {
  readonly #db: AlertDb;
  readonly #channels: ContractSender;
  readonly #log: FastifyBaseLogger;
  readonly #outbox: Outbox;
  readonly #rules = new Map<number, CachedRules>();
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #names = new Map<number, string>();
  /**
   * SQLite only (one node owns the database): the states as last written, so a batch reads
   * nothing; every write of alert_state goes through this service, which keeps it in step, and
   * it is dropped whenever a task fails (its transaction rolled back). PostgreSQL reads and locks
   * the rows in every transaction instead, since other nodes write them too.
   */
  readonly #cache: Map<number, StoredState> | null;
  #pending: ObservedPoint[] = [];
  /** For /metrics: points evaluated against at least one rule, and alerts announced. */
  readonly counts = { evaluations: 0, notifications: 0 };
  // One queue: batches, deadlines, ticks and rule changes are applied in arrival order.
  #queue: Promise<void> = Promise.resolve();
  #tick: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    db: AlertDb,
    kind: DbKind,
    channels: ContractSender,
    log: FastifyBaseLogger,
    outbox: Outbox,
    tickMs: number,
  ) {
    this.#db = db;
    this.#channels = channels;
    this.#log = log;
    this.#outbox = outbox;
    this.#cache = kind === "sqlite" ? new Map() : null;
    this.#tick = setInterval(() => {
      // one tick at a time: a slow database must not pile ticks up in the queue
      if (!this.#ticking) {
        this.#ticking = true;
        this.#enqueue(() => this.#scan().finally(() => (this.#ticking = false)));
      }
    }, tickMs);
    this.#tick.unref();
  }
  #ticking = false;

  /**
   * False only while this node's cache of the metric's rules is fresh and empty: then #drain would
   * skip its points anyway (a rule made meanwhile clears the cache, ruleChanged).
   */
  wants(metricId: number): boolean {
    if (this.#closed) return false;
    const cached = this.#rules.get(metricId);
    return !cached || cached.rules.length > 0 || Date.now() - cached.at >= RULE_CACHE_MS;
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
      if (ruleId !== undefined) this.#cache?.delete(ruleId);
      else this.#cache?.clear();
    });
  }

  /**
   * The rule is about to change (threshold, condition, duration, hysteresis, no-data time), be
   * disabled or deleted: its open event is closed with a resolved event saying why (notified like
   * any resolve), and its evaluation starts afresh from the next point.
   */
  async supersede(
    ruleId: number,
    reason: "rule_changed" | "rule_disabled" | "rule_deleted",
    change: { before?: () => Promise<unknown>; after?: () => Promise<unknown> } = {},
  ): Promise<void> {
    await this.#run(async () => {
      await change.before?.();
      const rule = await getRule(this.#db, ruleId);
      if (!rule) return;
      const metricName = await this.#metricName(rule.metric_id);
      const fired = await this.#db.transaction().execute(async (trx) => {
        const state = (await this.#states(trx, [ruleId])).get(ruleId);
        if (!state) return [];
        const now = Date.now();
        const out: Fired[] = [];
        if (state.eventId !== null) {
          state.firing = false;
          state.noData = false;
          state.pendingSince = null;
          out.push(
            await this.#record(trx, rule, metricName, state, {
              state: "resolved",
              reason,
              value: state.lastValue ?? 0,
              at: now,
            }),
          );
        }
        const fresh = blankState(now);
        Object.assign(state, fresh, { lastAt: state.lastAt, lastValue: state.lastValue, since: now });
        await saveState(trx, ruleId, state);
        await this.#notify(trx, out);
        return out;
      });
      await change.after?.();
      this.#rules.delete(rule.metric_id);
      this.#disarm(ruleId);
      await this.#announceAll(fired);
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
    clearInterval(this.#tick);
    for (const id of [...this.#timers.keys()]) this.#disarm(id);
    await this.idle();
  }

  #enqueue(task: () => Promise<void>): void {
    if (this.#closed) return;
    this.#queue = this.#queue.then(task).catch((err) => {
      this.#cache?.clear();
      this.#log.error({ err }, "alert evaluation failed");
    });
  }

  /** States of these rules for this transaction: locked rows (PostgreSQL) or the cache (SQLite). */
  async #states(trx: AlertDb, ruleIds: number[]): Promise<Map<number, StoredState>> {
    const cache = this.#cache;
    if (!cache) return lockStates(trx, ruleIds, true);
    const missing = ruleIds.filter((id) => !cache.has(id));
    if (missing.length > 0) for (const [id, st] of await lockStates(trx, missing, false)) cache.set(id, st);
    const out = new Map<number, StoredState>();
    for (const id of ruleIds) {
      const st = cache.get(id);
      if (st) out.set(id, st);
    }
    return out;
  }

  /** Runs `task` on the queue and waits for it, with its error (REST callers). */
  #run(task: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return resolve();
      this.#enqueue(() =>
        task().then(resolve, (err) => {
          this.#cache?.clear();
          reject(err);
        }),
      );
    });
  }

  #disarm(ruleId: number): void {
    const timer = this.#timers.get(ruleId);
    if (timer) clearTimeout(timer);
    this.#timers.delete(ruleId);
  }

  /** Refreshes, in one query, the cached rule lists of these metrics that are missing or stale. */
  async #loadRules(metricIds: number[]): Promise<void> {
    const now = Date.now();
    const stale = metricIds.filter((id) => {
      const c = this.#rules.get(id);
      return !c || now - c.at >= RULE_CACHE_MS;
    });
    if (stale.length < 2) return; // #rulesFor handles one on its own
    const loaded = await enabledRulesOf(this.#db, stale);
    for (const [metricId, rules] of loaded) {
      const old = this.#rules.get(metricId);
      this.#rules.set(metricId, { rules, at: now });
      const live = new Set(rules.map((r) => r.id));
      for (const r of old?.rules ?? []) if (!live.has(r.id)) this.#disarm(r.id);
    }
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

  async #metricName(metricId: number): Promise<string> {
    const known = this.#names.get(metricId);
    if (known) return known;
    const row = await metricNameOf(this.#db, metricId);
    return row ?? String(metricId);
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
    const work: { rules: AlertRule[]; points: ObservedPoint[]; at: number[] }[] = [];
    await this.#loadRules([...byMetric.keys()]);
    for (const [metricId, points] of byMetric) {
      const rules = await this.#rulesFor(metricId);
      if (rules.length === 0) continue;
      this.#names.set(metricId, points[points.length - 1]!.metric_name);
      this.counts.evaluations += points.length;
      work.push({ rules, points, at: points.map((p) => Date.parse(p.timestamp)) });
    }
    if (work.length === 0) return;
    // One transaction for the whole batch, every metric's rules locked at once (in rule id order,
    // so two nodes lock in the same order), and only states that changed written back: a
    // 10,000-point batch over 1,000 rules costs one commit, not one per metric or rule.
    const ruleIds = work.flatMap((w) => w.rules.map((r) => r.id)).sort((x, y) => x - y);
    const { fired, states } = await this.#db.transaction().execute(async (trx) => {
      const states = await this.#states(trx, ruleIds);
      const now = Date.now();
      const fired: Fired[] = [];
      const changed: [number, StoredState][] = [];
      for (const { rules, points, at } of work) {
        for (const rule of rules) {
          let state = states.get(rule.id);
          if (!state) {
            state = blankState(now);
            states.set(rule.id, state);
            this.#cache?.set(rule.id, state);
          }
          const stored = keyOf(state);
          const seenBefore = state.lastSeenAt;
          for (let i = 0; i < points.length; i++) {
            const p = points[i]!;
            const t0 = at[i]!;
            const before = statusOf(state);
            if (leaveNoData(state)) {
              fired.push(
                await this.#record(trx, rule, p.metric_name, state, {
                  state: "resolved",
                  reason: "data_returned",
                  value: p.value,
                  at: t0,
                }),
              );
            }
            const t = evaluatePoint(rule, state, p.value, t0);
            if (t)
              fired.push(await this.#record(trx, rule, p.metric_name, state, { ...t, reason: "threshold" }));
            else if (statusOf(state) !== before) state.since = now; // ok <-> pending
          }
          state.lastSeenAt = now;
          // The newest point and "last seen" alone are written at most every SEEN_WRITE_MS (they
          // only feed no-data detection and late-point filtering); any change of status is written.
          if (keyOf(state) !== stored || seenBefore === null || now - seenBefore >= seenWriteMs(rule)) {
            changed.push([rule.id, state]);
          } else {
            state.lastSeenAt = seenBefore;
          }
        }
      }
      await saveStates(trx, changed);
      await this.#notify(trx, fired);
      return { fired, states };
    });
    for (const { rules } of work) for (const rule of rules) this.#arm(rule, states.get(rule.id)!);
    await this.#announceAll(fired);
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
    const metricName = await this.#metricName(metricId);
    const fired = await this.#db.transaction().execute(async (trx) => {
      const state = (await this.#states(trx, [ruleId])).get(ruleId);
      if (!state) return [];
      const t = evaluateDeadline(rule, state, due);
      if (!t) return [];
      const out = [await this.#record(trx, rule, metricName, state, { ...t, reason: "threshold" })];
      await saveState(trx, ruleId, state);
      await this.#notify(trx, out);
      return out;
    });
    await this.#announceAll(fired);
  }

  /**
   * The periodic tick: rules whose metric has been silent longer than no_data_s go to no_data,
   * and still-open alerts are repeated to contact points that ask for it.
   */
  async #scan(): Promise<void> {
    const now = Date.now();
    const silent = await silentRuleIds(this.#db, now);
    for (const id of silent) {
      const rule = await getRule(this.#db, id);
      if (!rule) continue;
      const metricName = await this.#metricName(rule.metric_id);
      const fired = await this.#db.transaction().execute(async (trx) => {
        const state = (await this.#states(trx, [id])).get(id);
        if (!state || !evaluateSilence(rule, state, state.lastSeenAt ?? rule.created_at, now)) return [];
        const out = [
          await this.#record(trx, rule, metricName, state, {
            state: "firing",
            reason: "no_data",
            value: state.lastValue ?? 0,
            at: now,
          }),
        ];
        await saveState(trx, id, state);
        await this.#notify(trx, out);
        return out;
      });
      this.#disarm(id);
      await this.#announceAll(fired);
    }
    await this.#repeats(now);
  }

  async #repeats(now: number): Promise<void> {
    const open = await openEvents(this.#db);
    if (open.length === 0) return;
    const alerts: OpenAlert[] = open.map((e) => ({
      dashboardId: e.dashboard_id,
      item: {
        repeat: true,
        event_id: Number(e.id),
        rule_id: e.rule_id,
        metric_id: e.metric_id,
        metric_name: e.metric_name,
        state: "firing",
        status: e.status === "no_data" ? "no_data" : "firing",
        reason: e.reason ?? "threshold",
        value: Number(e.value),
        threshold: Number(e.threshold),
        condition: e.condition,
        message: e.message,
        timestamp: new Date(Number(e.created_at)).toISOString(),
      },
    }));
    const written = await this.#db.transaction().execute((trx) => notifyRepeats(trx, alerts, now));
    if (written.length > 0) this.#outbox.kick();
  }

  /** Stores a transition: its event, the close of the event it replaces, the state's new status. */
  async #record(
    trx: AlertDb,
    rule: AlertRule,
    metricName: string,
    state: StoredState,
    c: Change,
  ): Promise<Fired> {
    const now = Date.now();
    const status = statusOf(state);
    const event = await insertEvent(trx, {
      rule_id: rule.id,
      dashboard_id: rule.dashboard_id,
      metric_id: rule.metric_id,
      state: c.state,
      status,
      reason: c.reason,
      value: c.value,
      threshold: rule.threshold,
      message: alertMessage(metricName, rule, c.state, c.value, c.reason),
      created_at: now,
    });
    if (state.eventId !== null) await closeEvent(trx, state.eventId, now);
    state.eventId = c.state === "firing" ? event.id : null;
    state.since = now;
    const item: NotificationItem = {
      repeat: false,
      event_id: event.id,
      rule_id: rule.id,
      metric_id: rule.metric_id,
      metric_name: metricName,
      state: c.state,
      status,
      reason: c.reason,
      value: c.value,
      threshold: rule.threshold,
      condition: rule.condition,
      message: event.message,
      timestamp: new Date(c.at).toISOString(),
    };
    return { rule, item };
  }

  /** Outbox rows for these transitions, per dashboard, in the caller's transaction. */
  async #notify(trx: AlertDb, fired: Fired[]): Promise<void> {
    const byDashboard = new Map<number, NotificationItem[]>();
    for (const f of fired)
      byDashboard.set(f.rule.dashboard_id, [...(byDashboard.get(f.rule.dashboard_id) ?? []), f.item]);
    for (const [dashboardId, items] of byDashboard)
      await notifyTransitions(trx, dashboardId, items, Date.now());
  }

  /** After commit: the alerts to the members of their dashboards (their groups) only. */
  async #announceAll(fired: Fired[]): Promise<void> {
    if (fired.length === 0) return;
    this.counts.notifications += fired.length;
    this.#outbox.kick();
    for (const { rule, item } of fired) {
      const payload: Alert = {
        id: item.event_id,
        rule_id: rule.id,
        metric_id: rule.metric_id,
        metric_name: item.metric_name,
        state: item.state,
        value: item.value,
        threshold: item.threshold,
        message: item.message,
        timestamp: item.timestamp,
        status: item.status,
        reason: item.reason,
      };
      await this.#channels.groupSend(dashboardContract, dashboardGroup(rule.dashboard_id), "alert", payload);
    }
  }
}
