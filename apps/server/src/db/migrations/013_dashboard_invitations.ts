// Invitations to dashboards (issue 15): an owner's invitation of a user name with a role, pending
// until the user of that name accepts or declines it. Keyed by the name as typed, never by a user
// id, so that a name with no account yet is stored exactly like one with an account (nothing tells
// the owner which it is) and an account created later with that name finds it. Gone with the
// dashboard; the inviter's id is cleared when that user is deleted.
import { withId } from "./columns.ts";
import type { PbMigration } from "./migration.ts";

export const dashboardInvitations: PbMigration = {
  name: "013_dashboard_invitations",
  async up(db, kind) {
    await withId(db.schema.createTable("dashboard_invitations"), kind)
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("username", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("invited_by", "integer", (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addUniqueConstraint("dashboard_invitations_name", ["dashboard_id", "username"])
      .execute();
    await db.schema
      .createIndex("dashboard_invitations_username")
      .on("dashboard_invitations")
      .column("username")
      .execute();
  },
};
