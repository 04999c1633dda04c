// Owns the alerting tables as Kysely sees them (joined to the server's schema with `withTables`,
// so the core schema file stays the core's): rules, states and events (002, 005), and the
// notification tables (005). A leaf module: the stores import it, it imports neither.
import type { Generated, Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { RuleStatus } from "./engine.ts";
import type { AlertCondition, AlertReason, AlertState } from "./schema.ts";

export interface AlertRulesTable {
  id: Generated<number>;
  dashboard_id: number;
  metric_id: number;
  condition: AlertCondition;
  threshold: number;
  duration_s: number;
  hysteresis: number;
  enabled: number;
  created_at: number;
  no_data_s: number;
  /** The selector whose set this series' rule belongs to (null: a rule of one metric). */
  selector: string | null;
}
export interface AlertEventsTable {
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
  status: RuleStatus | null;
  reason: AlertReason | null;
  closed_at: number | null;
}
export interface AlertStateTable {
  rule_id: number;
  firing: number;
  pending_since: number | null;
  last_at: number | null;
  last_value: number | null;
  status: RuleStatus | null;
  since: number | null;
  event_id: number | null;
  last_seen_at: number | null;
  no_data: number | null;
}

export interface ContactPointsTable {
  id: Generated<number>;
  dashboard_id: number;
  name: string;
  type: "webhook" | "email" | "slack";
  settings: string;
  secrets: string;
  rule_ids: string | null;
  send_resolved: number;
  repeat_interval_s: number;
  group_wait_ms: number;
  enabled: number;
  created_at: number;
}
export interface SilencesTable {
  id: Generated<number>;
  dashboard_id: number;
  rule_id: number | null;
  ends_at: number;
  comment: string;
  created_by: number | null;
  created_at: number;
}
export type NotificationStatus = "pending" | "sending" | "delivered" | "failed";
export interface NotificationsTable {
  id: Generated<number>;
  contact_point_id: number;
  dashboard_id: number;
  rule_id: number;
  dedupe_key: string;
  payload: string;
  status: NotificationStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  claimed_by: string | null;
  created_at: number;
  delivered_at: number | null;
  last_error: string | null;
}
export interface DeliveriesTable {
  id: Generated<number>;
  contact_point_id: number;
  notification_ids: string;
  attempt: number;
  ok: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  test: number;
  node: string;
  at: number;
}
export type NotifyTables = {
  alert_contact_points: ContactPointsTable;
  alert_silences: SilencesTable;
  alert_notifications: NotificationsTable;
  alert_deliveries: DeliveriesTable;
};

export type AlertTables = {
  alert_rules: AlertRulesTable;
  alert_events: AlertEventsTable;
  alert_state: AlertStateTable;
} & NotifyTables;
export type AlertDb = Kysely<Database & AlertTables>;
