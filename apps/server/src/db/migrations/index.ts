// Owns the ordered list of in-code migrations run at start (Kysely Migrator). To add tables
// (e.g. alert_rules / alert_events), add a file `NNN_name.ts` exporting a `PbMigration` (typed
// from ./migration.ts, never from this file: that would be an import cycle) and append it here;
// names sort lexically, so keep the numeric prefix.
import type { Migration, MigrationProvider } from "kysely";
import type { DbKind } from "../schema.ts";
import { initial } from "./001_initial.ts";
import { alertsMigration } from "./002_alerts.ts";
import { loginFailures } from "./003_login_failures.ts";
import { seriesStorage } from "./004_series_storage.ts";
import { alertNotificationsMigration } from "./005_alert_notifications.ts";
import { auditAndAccounts } from "./006_audit_and_accounts.ts";
import { adminTeams } from "./007_admin_teams.ts";
import { dashboardTags } from "./008_dashboard_tags.ts";
import { ssoIdentities } from "./009_sso_identities.ts";
import { streamTrimmed } from "./010_stream_trimmed.ts";
import { sessionMethod } from "./011_session_method.ts";
import { alertRuleSelector } from "./012_alert_rule_selector.ts";
import { dashboardInvitations } from "./013_dashboard_invitations.ts";
import { chunksBySeal } from "./014_chunks_by_seal.ts";
import type { PbMigration } from "./migration.ts";

export type { PbMigration };

export const migrations: PbMigration[] = [
  initial,
  alertsMigration,
  loginFailures,
  seriesStorage,
  alertNotificationsMigration,
  auditAndAccounts,
  adminTeams,
  dashboardTags,
  ssoIdentities,
  streamTrimmed,
  sessionMethod,
  alertRuleSelector,
  dashboardInvitations,
  chunksBySeal,
];

export function migrationProvider(kind: DbKind, list: PbMigration[] = migrations): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of list) out[m.name] = { up: (db) => m.up(db, kind) };
      return out;
    },
  };
}
