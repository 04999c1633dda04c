// Instance administration and teams: an administrator flag and a disabled mark per user, teams of
// users, and teams as members of dashboards with a role. On an existing install the oldest user
// becomes the administrator (a fresh install's first user does, in createUser).
import { sql } from "kysely";
import { withId } from "./columns.ts";
import type { PbMigration } from "./migration.ts";

export const adminTeams: PbMigration = {
  name: "007_admin_teams",
  async up(db, kind) {
    await db.schema
      .alterTable("users")
      .addColumn("is_admin", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("users").addColumn("disabled_at", "bigint").execute();
    await sql`update users set is_admin = 1 where id = (select min(id) from users)`.execute(db);
    await withId(db.schema.createTable("teams"), kind)
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("team_members")
      .addColumn("team_id", "integer", (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addPrimaryKeyConstraint("team_members_pk", ["team_id", "user_id"])
      .execute();
    await db.schema
      .createTable("dashboard_teams")
      .addColumn("dashboard_id", "integer", (c) =>
        c.notNull().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("team_id", "integer", (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("role", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("dashboard_teams_pk", ["dashboard_id", "team_id"])
      .execute();
    await db.schema.createIndex("team_members_user").on("team_members").column("user_id").execute();
  },
};
