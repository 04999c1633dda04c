// Owns migration 002, the alerting tables: rules (per metric), their evaluation state and the
// events they produce. Rules and events go away with their dashboard or metric.
import { sql } from "kysely";
import { withId } from "./columns.ts";
import type { PbMigration } from "./migration.ts";

export const alertsMigration: PbMigration = {
  name: "002_alerts",
  async up(db, kind) {
    await withId(db.schema.createTable("alert_rules"), kind)
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("metric_id", "integer", (c) => c.notNull().references("metrics.id").onDelete("cascade"))
      .addColumn("condition", "text", (c) => c.notNull().check(sql`condition in ('above', 'below')`))
      .addColumn("threshold", "double precision", (c) => c.notNull())
      .addColumn("duration_s", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("hysteresis", "double precision", (c) => c.notNull().defaultTo(0))
      // 0/1 in both dialects, so rows read the same everywhere
      .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("alert_rules_metric").on("alert_rules").column("metric_id").execute();
    await db.schema.createIndex("alert_rules_dashboard").on("alert_rules").column("dashboard_id").execute();
    await withId(db.schema.createTable("alert_events"), kind, true)
      .addColumn("rule_id", "integer", (c) => c.notNull().references("alert_rules.id").onDelete("cascade"))
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("metric_id", "integer", (c) => c.notNull().references("metrics.id").onDelete("cascade"))
      .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('firing', 'resolved')`))
      .addColumn("value", "double precision", (c) => c.notNull())
      .addColumn("threshold", "double precision", (c) => c.notNull())
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("acknowledged_at", "bigint")
      .addColumn("acknowledged_by", "integer", (c) => c.references("users.id").onDelete("set null"))
      .execute();
    await db.schema
      .createIndex("alert_events_dashboard")
      .on("alert_events")
      .columns(["dashboard_id", "id"])
      .execute();
    await db.schema.createIndex("alert_events_rule").on("alert_events").columns(["rule_id", "id"]).execute();
    // Evaluation state per rule, shared by every node: whichever node ingests a point locks the
    // row, evaluates, and writes it back (so duration and hysteresis hold across a cluster).
    await db.schema
      .createTable("alert_state")
      .addColumn("rule_id", "integer", (c) => c.primaryKey().references("alert_rules.id").onDelete("cascade"))
      .addColumn("firing", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("pending_since", "bigint")
      .addColumn("last_at", "bigint")
      .addColumn("last_value", "double precision")
      .execute();
  },
};
