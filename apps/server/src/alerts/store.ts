// Owns alert persistence of rules, states and events: every query on them (the tables themselves
// are declared in tables.ts).
import { type Selectable, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { type RuleState, statusOf } from "./engine.ts";
import type { AlertEvent, AlertRule, AlertState, CreateRuleBody, PatchRuleBody } from "./schema.ts";
import type { AlertDb, AlertEventsTable, AlertRulesTable, AlertStateTable, AlertTables } from "./tables.ts";

export type { AlertDb } from "./tables.ts";

export function alertDb(db: Db): AlertDb {
  return db.withTables<AlertTables>();
}

function toRule(row: Selectable<AlertRulesTable>): AlertRule {
  return {
    id: row.id,
    dashboard_id: row.dashboard_id,
    metric_id: row.metric_id,
    condition: row.condition,
    threshold: Number(row.threshold),
    duration_s: Number(row.duration_s),
    hysteresis: Number(row.hysteresis),
    enabled: Number(row.enabled) === 1,
    no_data_s: Number(row.no_data_s ?? 0),
    created_at: Number(row.created_at),
    ...(row.selector ? { selector: row.selector } : {}),
  };
}

export function toEvent(row: Selectable<AlertEventsTable>): AlertEvent {
  return {
    id: row.id,
    rule_id: row.rule_id,
    metric_id: row.metric_id,
    state: row.state,
    value: Number(row.value),
    threshold: Number(row.threshold),
    message: row.message,
    created_at: new Date(Number(row.created_at)).toISOString(),
    acknowledged_at:
      row.acknowledged_at === null ? null : new Date(Number(row.acknowledged_at)).toISOString(),
    acknowledged_by: row.acknowledged_by,
    status: row.status === "pending" ? "ok" : (row.status ?? (row.state === "firing" ? "firing" : "ok")),
    reason: row.reason ?? "threshold",
    open: row.state === "firing" && row.closed_at === null,
  };
}

export async function listRules(db: AlertDb, dashboardId: number): Promise<AlertRule[]> {
  const rows = await db
    .selectFrom("alert_rules")
    .selectAll()
    .where("dashboard_id", "=", dashboardId)
    .orderBy("id")
    .execute();
  return rows.map(toRule);
}

export async function enabledRulesFor(db: AlertDb, metricId: number): Promise<AlertRule[]> {
  const rows = await db
    .selectFrom("alert_rules")
    .selectAll()
    .where("metric_id", "=", metricId)
    .where("enabled", "=", 1)
    .orderBy("id")
    .execute();
  return rows.map(toRule);
}

/** The dashboard's rules that belong to a selector set, oldest first. */
export async function selectorRulesOf(db: AlertDb, dashboardId: number): Promise<AlertRule[]> {
  const rows = await db
    .selectFrom("alert_rules")
    .selectAll()
    .where("dashboard_id", "=", dashboardId)
    .where("selector", "is not", null)
    .orderBy("id")
    .execute();
  return rows.map(toRule);
}

/** Of these rule ids, those of the dashboard. */
export async function ruleIdsOn(db: AlertDb, dashboardId: number, ids: number[]): Promise<Set<number>> {
  const rows = await db
    .selectFrom("alert_rules")
    .select("id")
    .where("dashboard_id", "=", dashboardId)
    .where("id", "in", ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

export async function getRule(db: AlertDb, id: number): Promise<AlertRule | undefined> {
  const row = await db.selectFrom("alert_rules").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toRule(row);
}

export async function insertRule(
  db: AlertDb,
  dashboardId: number,
  body: CreateRuleBody & { selector?: string | undefined },
): Promise<AlertRule> {
  const row = await db
    .insertInto("alert_rules")
    .values({
      dashboard_id: dashboardId,
      metric_id: body.metric_id,
      condition: body.condition,
      threshold: body.threshold,
      duration_s: body.duration_s,
      hysteresis: body.hysteresis,
      enabled: body.enabled ? 1 : 0,
      no_data_s: body.no_data_s,
      selector: body.selector ?? null,
      created_at: Date.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  // The state row exists from the start, so evaluators on several nodes always have a row to lock;
  // silence is counted from the rule's creation until a first point arrives.
  await db
    .insertInto("alert_state")
    .values({ rule_id: row.id, firing: 0, status: "ok", no_data: 0, last_seen_at: row.created_at })
    .execute();
  return toRule(row);
}

export async function updateRule(
  db: AlertDb,
  id: number,
  body: PatchRuleBody,
): Promise<AlertRule | undefined> {
  const { enabled, ...rest } = body;
  await db
    .updateTable("alert_rules")
    .set({ ...rest, ...(enabled === undefined ? {} : { enabled: enabled ? 1 : 0 }) })
    .where("id", "=", id)
    .execute();
  return getRule(db, id);
}

export async function deleteRule(db: AlertDb, id: number): Promise<void> {
  await db.deleteFrom("alert_rules").where("id", "=", id).execute();
}

/**
 * Evaluation state of rules, locked for the rest of the transaction on PostgreSQL (SQLite
 * transactions are already exclusive), so concurrent evaluators on other nodes wait their turn.
 */
export async function lockStates(
  db: AlertDb,
  ruleIds: number[],
  lock: boolean,
): Promise<Map<number, StoredState>> {
  if (ruleIds.length === 0) return new Map();
  let q = db.selectFrom("alert_state").selectAll().where("rule_id", "in", ruleIds).orderBy("rule_id");
  if (lock) q = q.forUpdate();
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.rule_id, toStoredState(r)]));
}

/** A rule's evaluation state plus what the one-state-per-rule view keeps around it. */
export type StoredState = RuleState & {
  /** wall time (ms) the current status began */
  since: number | null;
  /** the open firing / no_data event */
  eventId: number | null;
  /** wall time (ms) of the newest point received (or the rule's creation) */
  lastSeenAt: number | null;
};

export function toStoredState(r: Selectable<AlertStateTable>): StoredState {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    firing: Number(r.firing) === 1,
    pendingSince: num(r.pending_since),
    lastAt: num(r.last_at),
    lastValue: num(r.last_value),
    noData: Number(r.no_data ?? 0) === 1,
    since: num(r.since),
    eventId: num(r.event_id),
    lastSeenAt: num(r.last_seen_at),
  };
}

export function blankState(lastSeenAt: number | null): StoredState {
  return {
    firing: false,
    pendingSince: null,
    lastAt: null,
    lastValue: null,
    noData: false,
    since: null,
    eventId: null,
    lastSeenAt,
  };
}

function stateRow(ruleId: number, state: StoredState) {
  return {
    rule_id: ruleId,
    firing: state.firing ? 1 : 0,
    pending_since: state.pendingSince,
    last_at: state.lastAt,
    last_value: state.lastValue,
    no_data: state.noData ? 1 : 0,
    status: statusOf(state),
    since: state.since,
    event_id: state.eventId,
    last_seen_at: state.lastSeenAt,
  };
}

export async function saveState(db: AlertDb, ruleId: number, state: StoredState): Promise<void> {
  await saveStates(db, [[ruleId, state]]);
}

/** Writes many states in one statement per STATE_CHUNK rows (a batch's changes, one round trip). */
export async function saveStates(db: AlertDb, states: [number, StoredState][]): Promise<void> {
  for (let i = 0; i < states.length; i += STATE_CHUNK) {
    const rows = states.slice(i, i + STATE_CHUNK).map(([id, st]) => stateRow(id, st));
    await db
      .insertInto("alert_state")
      .values(rows)
      .onConflict((oc) =>
        oc.column("rule_id").doUpdateSet((eb) => ({
          firing: eb.ref("excluded.firing"),
          pending_since: eb.ref("excluded.pending_since"),
          last_at: eb.ref("excluded.last_at"),
          last_value: eb.ref("excluded.last_value"),
          no_data: eb.ref("excluded.no_data"),
          status: eb.ref("excluded.status"),
          since: eb.ref("excluded.since"),
          event_id: eb.ref("excluded.event_id"),
          last_seen_at: eb.ref("excluded.last_seen_at"),
        })),
      )
      .execute();
  }
}

/** 10 columns a row: well under SQLite's 32,766 bound parameters per statement. */
const STATE_CHUNK = 500;

/** Enabled rules of several metrics, by metric (one query). */
export async function enabledRulesOf(db: AlertDb, metricIds: number[]): Promise<Map<number, AlertRule[]>> {
  const out = new Map<number, AlertRule[]>(metricIds.map((id) => [id, []]));
  for (let i = 0; i < metricIds.length; i += 1000) {
    const rows = await db
      .selectFrom("alert_rules")
      .selectAll()
      .where("metric_id", "in", metricIds.slice(i, i + 1000))
      .where("enabled", "=", 1)
      .orderBy("id")
      .execute();
    for (const row of rows) out.get(row.metric_id)?.push(toRule(row));
  }
  return out;
}

export async function insertEvent(
  db: AlertDb,
  event: Omit<AlertEventsTable, "id" | "acknowledged_at" | "acknowledged_by" | "closed_at">,
): Promise<AlertEvent> {
  const row = await db
    .insertInto("alert_events")
    .values({ ...event, acknowledged_at: null, acknowledged_by: null, closed_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEvent(row);
}

export async function listEvents(
  db: AlertDb,
  dashboardId: number,
  options: { limit: number; state?: AlertState | undefined; unacknowledged?: boolean | undefined },
): Promise<AlertEvent[]> {
  let q = db.selectFrom("alert_events").selectAll().where("dashboard_id", "=", dashboardId);
  if (options.state) q = q.where("state", "=", options.state);
  if (options.unacknowledged) q = q.where("acknowledged_at", "is", null);
  const rows = await q.orderBy("id", "desc").limit(options.limit).execute();
  return rows.map(toEvent);
}

export async function getEvent(db: AlertDb, id: number) {
  return db.selectFrom("alert_events").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Closes a rule's open event (a later event resolved or superseded it). */
export async function closeEvent(db: AlertDb, id: number, at: number): Promise<void> {
  await db.updateTable("alert_events").set({ closed_at: at }).where("id", "=", id).execute();
}

/** Events of one rule, newest first (its history). */
export async function ruleEvents(db: AlertDb, ruleId: number, limit: number): Promise<AlertEvent[]> {
  const rows = await db
    .selectFrom("alert_events")
    .selectAll()
    .where("rule_id", "=", ruleId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

/**
 * Acknowledges once: a second ack keeps the first time and user. Only the open event (the rule's
 * current firing / no_data state) can be acknowledged; undefined otherwise.
 */
export async function acknowledge(db: AlertDb, id: number, userId: number): Promise<AlertEvent | undefined> {
  const open = await db
    .selectFrom("alert_events")
    .select("id")
    .where("id", "=", id)
    .where("state", "=", "firing")
    .where("closed_at", "is", null)
    .executeTakeFirst();
  if (!open) return undefined;
  await db
    .updateTable("alert_events")
    .set({ acknowledged_at: Date.now(), acknowledged_by: userId })
    .where("id", "=", id)
    .where("acknowledged_at", "is", null)
    .execute();
  const row = await getEvent(db, id);
  return row && toEvent(row);
}

/** Enabled rules with a no-data window whose series has been silent past it and that are not yet no_data. */
export async function silentRuleIds(db: AlertDb, now: number): Promise<number[]> {
  const rows = await db
    .selectFrom("alert_rules")
    .innerJoin("alert_state", "alert_state.rule_id", "alert_rules.id")
    .select("alert_rules.id")
    .where("alert_rules.enabled", "=", 1)
    .where("alert_rules.no_data_s", ">", 0)
    .where((eb) => eb.or([eb("alert_state.no_data", "=", 0), eb("alert_state.no_data", "is", null)]))
    .where(
      sql<boolean>`coalesce(alert_state.last_seen_at, alert_rules.created_at) + alert_rules.no_data_s * 1000 <= ${now}`,
    )
    .execute();
  return rows.map((r) => r.id);
}

/** The open event of every enabled rule, with its rule's condition and its series' name (repeats). */
export async function openEvents(db: AlertDb) {
  return db
    .selectFrom("alert_state")
    .innerJoin("alert_events", "alert_events.id", "alert_state.event_id")
    .innerJoin("alert_rules", "alert_rules.id", "alert_state.rule_id")
    .innerJoin("metrics", "metrics.id", "alert_rules.metric_id")
    .selectAll("alert_events")
    .select(["alert_rules.condition", "metrics.name as metric_name"])
    .where("alert_rules.enabled", "=", 1)
    .execute();
}

/** Every rule of a dashboard with its state and its open event's acknowledgement (alert-states). */
export async function ruleStateRows(db: AlertDb, dashboardId: number) {
  return db
    .selectFrom("alert_rules")
    .leftJoin("alert_state", "alert_state.rule_id", "alert_rules.id")
    .leftJoin("alert_events", "alert_events.id", "alert_state.event_id")
    .select([
      "alert_rules.id as rule_id",
      "alert_rules.metric_id",
      "alert_rules.condition",
      "alert_rules.threshold",
      "alert_rules.enabled",
      "alert_state.status",
      "alert_state.since",
      "alert_state.last_value",
      "alert_state.event_id",
      "alert_events.acknowledged_at",
      "alert_events.acknowledged_by",
    ])
    .where("alert_rules.dashboard_id", "=", dashboardId)
    .execute();
}
