// Failed logins live in the database, not in one process: every node of a cluster counts the same
// failures, so adding nodes does not multiply the guesses an attacker gets.
import type { PbMigration } from "./migration.ts";

export const loginFailures: PbMigration = {
  name: "003_login_failures",
  async up(db) {
    await db.schema
      .createTable("login_failures")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("failures", "integer", (c) => c.notNull())
      .addColumn("reset_at", "bigint", (c) => c.notNull())
      .execute();
  },
};
