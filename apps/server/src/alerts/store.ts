// Owns alert persistence: the two tables as Kysely sees them (added to the server's schema with
// `withTables`, so the core schema file stays the core's) and every query on them.
import type { Generated, Kysely, Selectable } from "kysely";
import type { Database, Db } from "../db/schema.ts";
import type {
  AlertCondition,
  AlertEvent,
  AlertRule,
  AlertState,
  CreateRuleBody,
  PatchRuleBody,
} from "./schema.ts";

interface AlertRulesTable {
  id: Generated<number>;
  dashboard_id: number;
  metric_id: number;
  condition: AlertCondition;
  threshold: number;
  duration_s: number;
  hysteresis: number;
  enabled: number;
  created_at: number;
}
interface AlertEventsTable {
  id: Generated<number>;
  rule_id: number;
  dashboard_id: number;
  metric_id: number;
  state: AlertState;
  value: number;
  threshold: number;
  message: string;
  created_at: number;
  acknowledged_at: number | null;
  acknowledged_by: number | null;
}
export type AlertDb = Kysely<Database & { alert_rules: AlertRulesTable; alert_events: AlertEventsTable }>;

export function alertDb(db: Db): AlertDb {
  return db.withTables<{ alert_rules: AlertRulesTable; alert_events: AlertEventsTable }>();
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

export async function getRule(db: AlertDb, id: number): Promise<AlertRule | undefined> {
  const row = await db.selectFrom("alert_rules").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toRule(row);
}

export async function insertRule(db: AlertDb, dashboardId: number, body: CreateRuleBody): Promise<AlertRule> {
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
      created_at: Date.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
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

/** Whether the rule's newest event says it is firing (restores state after a restart). */
export async function isFiring(db: AlertDb, ruleId: number): Promise<boolean> {
  const row = await db
    .selectFrom("alert_events")
    .select("state")
    .where("rule_id", "=", ruleId)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.state === "firing";
}

export async function insertEvent(
  db: AlertDb,
  event: Omit<AlertEventsTable, "id" | "acknowledged_at" | "acknowledged_by">,
): Promise<AlertEvent> {
  const row = await db
    .insertInto("alert_events")
    .values({ ...event, acknowledged_at: null, acknowledged_by: null })
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

/** Acknowledges once: a second ack keeps the first time and user. */
export async function acknowledge(db: AlertDb, id: number, userId: number): Promise<AlertEvent | undefined> {
  await db
    .updateTable("alert_events")
    .set({ acknowledged_at: Date.now(), acknowledged_by: userId })
    .where("id", "=", id)
    .where("acknowledged_at", "is", null)
    .execute();
  const row = await getEvent(db, id);
  return row && toEvent(row);
}
