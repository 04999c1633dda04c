// Single sign-on (issue 16): a user signed in through an OpenID provider is linked by the
// provider's issuer and the subject it names them by (never by user name or email, which a
// provider may let people change), so a second login finds the same user.
import type { PbMigration } from "./migration.ts";

export const ssoIdentities: PbMigration = {
  name: "009_sso_identities",
  async up(db) {
    await db.schema
      .createTable("user_identities")
      .addColumn("issuer", "text", (c) => c.notNull())
      .addColumn("subject", "text", (c) => c.notNull())
      .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_login_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("user_identities_pk", ["issuer", "subject"])
      .execute();
    await db.schema.createIndex("user_identities_user").on("user_identities").column("user_id").execute();
  },
};
