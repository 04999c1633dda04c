// Owns the Kysely type of dashboard_invitations (migration 013), a leaf that both the members
// store (a direct add drops the name's pending invitation) and the invitations store read.
import type { Generated, Kysely } from "kysely";
import type { Database, Db, Role } from "../db/schema.ts";

export type InvitationTables = {
  dashboard_invitations: {
    id: Generated<number>;
    dashboard_id: number;
    username: string;
    role: Role;
    invited_by: number | null;
    created_at: number;
  };
};
export type InvitationDb = Kysely<Database & InvitationTables>;

export function invitationDb(db: Db): InvitationDb {
  return db.withTables<InvitationTables>();
}
