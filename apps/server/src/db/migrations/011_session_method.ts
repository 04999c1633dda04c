// How a session was signed in ('password' or 'oidc'): signing out of a single sign-on session
// also ends the provider's session (RP-initiated logout), which a password session must not do.
import type { PbMigration } from "./migration.ts";

export const sessionMethod: PbMigration = {
  name: "011_session_method",
  async up(db) {
    await db.schema
      .alterTable("sessions")
      .addColumn("method", "text", (c) => c.notNull().defaultTo("password"))
      .execute();
  },
};
