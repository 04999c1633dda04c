// The initial model of DESIGN.md: users, sessions, tokens, dashboards, members, metrics,
// values, layouts and preferences. Deleting a user or dashboard cascades to what hangs off it.
import { sql } from "kysely";
import { withId } from "./columns.ts";
import type { PbMigration } from "./migration.ts";

export const initial: PbMigration = {
  name: "001_initial",
  async up(db, kind) {
    await withId(db.schema.createTable("users"), kind)
      .addColumn("username", "text", (c) => c.notNull().unique())
      .addColumn("password_hash", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("sessions")
      .addColumn("id_hash", "text", (c) => c.primaryKey())
      .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("csrf_token", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();
    await withId(db.schema.createTable("api_tokens"), kind)
      .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_used_at", "bigint")
      .execute();
    await withId(db.schema.createTable("dashboards"), kind)
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("dashboard_members")
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('viewer', 'editor', 'owner')`))
      .addPrimaryKeyConstraint("dashboard_members_pk", ["dashboard_id", "user_id"])
      .execute();
    await db.schema.createIndex("dashboard_members_user").on("dashboard_members").column("user_id").execute();
    await withId(db.schema.createTable("metrics"), kind)
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("type", "text", (c) => c.notNull().check(sql`type in ('counter', 'gauge', 'histogram')`))
      .addColumn("unit", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addUniqueConstraint("metrics_dashboard_name", ["dashboard_id", "name"])
      .execute();
    await withId(db.schema.createTable("metric_values"), kind, true)
      .addColumn("metric_id", "integer", (c) => c.notNull().references("metrics.id").onDelete("cascade"))
      .addColumn("value", "double precision", (c) => c.notNull())
      .addColumn("timestamp", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("metric_values_metric_time")
      .on("metric_values")
      .columns(["metric_id", "timestamp"])
      .execute();
    await db.schema
      .createTable("layouts")
      .addColumn("dashboard_id", "integer", (c) =>
        c.primaryKey().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("widgets", "text", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("user_preferences")
      .addColumn("user_id", "integer", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
      .addColumn("theme", "text", (c) => c.notNull().defaultTo("dark"))
      .execute();
  },
};
