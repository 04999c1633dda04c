// Tags of dashboards (search and filter on the dashboard list, carried by definitions): one row
// per (dashboard, tag), gone with the dashboard.
import type { PbMigration } from "./migration.ts";

export const dashboardTags: PbMigration = {
  name: "008_dashboard_tags",
  async up(db) {
    await db.schema
      .createTable("dashboard_tags")
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("tag", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("dashboard_tags_pk", ["dashboard_id", "tag"])
      .execute();
  },
};
