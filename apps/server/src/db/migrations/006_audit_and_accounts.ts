// Issue 15: the audit log of security-relevant events, and what a user's session list shows
// (where and with what a session signed in), so people can recognise and revoke their sessions.
import { withId } from "./columns.ts";
import type { PbMigration } from "./migration.ts";

export const auditAndAccounts: PbMigration = {
  name: "006_audit_and_accounts",
  async up(db, kind) {
    await db.schema.alterTable("sessions").addColumn("user_agent", "text").execute();
    await db.schema.alterTable("sessions").addColumn("address", "text").execute();
    await withId(db.schema.createTable("audit_events"), kind, true)
      .addColumn("at", "bigint", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("actor_user_id", "integer")
      .addColumn("dashboard_id", "integer")
      .addColumn("address", "text")
      .addColumn("detail", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("audit_events_dashboard_at")
      .on("audit_events")
      .columns(["dashboard_id", "at"])
      .execute();
    await db.schema.createIndex("audit_events_at").on("audit_events").column("at").execute();
  },
};
