// Owns migration 005: one state per rule (status ok/pending/firing/no_data, the open event, when
// data was last seen), event history fields (the status an event put the rule in, why, and when an
// open event was closed), and notifications: contact points, silences, the persisted outbox and
// the delivery log. Appended to the server's migration list after 002_alerts.
import { sql } from "kysely";
import { withId } from "./columns.ts";
import type { PbMigration } from "./migration.ts";

export const alertNotificationsMigration: PbMigration = {
  name: "005_alert_notifications",
  async up(db, kind) {
    await db.schema
      .alterTable("alert_rules")
      .addColumn("no_data_s", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    for (const [name, type] of [
      ["status", "text"],
      ["since", "bigint"],
      ["event_id", "bigint"],
      ["last_seen_at", "bigint"],
      ["no_data", "integer"],
    ] as const) {
      await db.schema.alterTable("alert_state").addColumn(name, type).execute();
    }
    for (const [name, type] of [
      ["status", "text"],
      ["reason", "text"],
      ["closed_at", "bigint"],
    ] as const) {
      await db.schema.alterTable("alert_events").addColumn(name, type).execute();
    }
    // Existing rows: the newest firing event of a firing rule is its open event; every other
    // firing event was resolved already (so it can no longer be acknowledged as current).
    await sql`update alert_state set status = case when firing = 1 then 'firing'
      when pending_since is not null then 'pending' else 'ok' end, no_data = 0`.execute(db);
    await sql`update alert_state set event_id = (select max(e.id) from alert_events e
      where e.rule_id = alert_state.rule_id and e.state = 'firing') where firing = 1`.execute(db);
    await sql`update alert_events set status = case when state = 'firing' then 'firing' else 'ok' end,
      reason = 'threshold'`.execute(db);
    await sql`update alert_events set closed_at = created_at where state = 'firing'
      and id not in (select event_id from alert_state where event_id is not null)`.execute(db);
    await db.schema
      .createIndex("alert_state_status")
      .on("alert_state")
      .columns(["status", "last_seen_at"])
      .execute();

    await withId(db.schema.createTable("alert_contact_points"), kind)
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull().check(sql`type in ('webhook', 'email', 'slack')`))
      // JSON: the settings shown back (url, recipients, timeout, attempts) ...
      .addColumn("settings", "text", (c) => c.notNull())
      // ... and those never shown back (HMAC secret, Slack URL)
      .addColumn("secrets", "text", (c) => c.notNull())
      // JSON array of rule ids, or null for every rule of the dashboard
      .addColumn("rule_ids", "text")
      .addColumn("send_resolved", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("repeat_interval_s", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("group_wait_ms", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("alert_contact_points_dashboard")
      .on("alert_contact_points")
      .column("dashboard_id")
      .execute();

    await withId(db.schema.createTable("alert_silences"), kind)
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      // null mutes every rule of the dashboard
      .addColumn("rule_id", "integer", (c) => c.references("alert_rules.id").onDelete("cascade"))
      .addColumn("ends_at", "bigint", (c) => c.notNull())
      .addColumn("comment", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("created_by", "integer", (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("alert_silences_dashboard")
      .on("alert_silences")
      .columns(["dashboard_id", "ends_at"])
      .execute();

    // The outbox: one row per (transition or repeat, contact point), written in the transaction that
    // stores the transition, so a crash can neither lose it nor write it twice (dedupe_key).
    await withId(db.schema.createTable("alert_notifications"), kind, true)
      .addColumn("contact_point_id", "integer", (c) =>
        c.notNull().references("alert_contact_points.id").onDelete("cascade"),
      )
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      // no foreign key: a rule's last notification ("resolved: rule deleted") outlives the rule
      .addColumn("rule_id", "integer", (c) => c.notNull())
      .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) =>
        c.notNull().check(sql`status in ('pending', 'sending', 'delivered', 'failed')`),
      )
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
      .addColumn("lease_until", "bigint")
      .addColumn("claimed_by", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("delivered_at", "bigint")
      .addColumn("last_error", "text")
      .execute();
    await db.schema
      .createIndex("alert_notifications_due")
      .on("alert_notifications")
      .columns(["status", "next_attempt_at"])
      .execute();
    await db.schema
      .createIndex("alert_notifications_rule")
      .on("alert_notifications")
      .columns(["contact_point_id", "rule_id", "id"])
      .execute();

    await withId(db.schema.createTable("alert_deliveries"), kind, true)
      .addColumn("contact_point_id", "integer", (c) =>
        c.notNull().references("alert_contact_points.id").onDelete("cascade"),
      )
      // JSON array of the outbox ids this attempt carried ([] for a test)
      .addColumn("notification_ids", "text", (c) => c.notNull())
      .addColumn("attempt", "integer", (c) => c.notNull())
      .addColumn("ok", "integer", (c) => c.notNull())
      .addColumn("status_code", "integer")
      .addColumn("error", "text")
      .addColumn("duration_ms", "integer", (c) => c.notNull())
      .addColumn("test", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("node", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("alert_deliveries_contact_point")
      .on("alert_deliveries")
      .columns(["contact_point_id", "id"])
      .execute();
  },
};
