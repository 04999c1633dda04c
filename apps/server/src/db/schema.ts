// Owns the storage model as Kysely sees it: one interface per table. Timestamps are stored as
// integer milliseconds since the epoch in both dialects (sortable, exact, cheap to bucket).
import type { MetricType } from "@pulseboard/protocol";
import type { Role, Theme } from "@pulseboard/protocol/rest";
import type { Generated, Insertable, Kysely, Selectable } from "kysely";

// The enums are the wire's (one definition); the tables store exactly those strings.
export type { MetricType, Role };

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  created_at: number;
  /** 1 for instance administrators (007_admin_teams). */
  is_admin: Generated<number>;
  /** When an administrator disabled the account; null while it may sign in. */
  disabled_at: number | null;
}
export interface TeamsTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}
export interface TeamMembersTable {
  team_id: number;
  user_id: number;
}
export interface DashboardTeamsTable {
  dashboard_id: number;
  team_id: number;
  role: Role;
}
/** An OpenID Connect identity (issuer + subject) linked to a user (009_sso_identities). */
export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: number;
  created_at: number;
  last_login_at: number;
}
export interface SessionsTable {
  /** sha256 of the cookie value: a leaked database does not leak live sessions. */
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  /** Shown in the user's session list (006). */
  user_agent: string | null;
  address: string | null;
  /** How it was signed in (011): a single sign-on session's logout also ends the provider's. */
  method: Generated<SessionMethod>;
}
export type SessionMethod = "password" | "oidc";
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
}
export interface DashboardsTable {
  id: Generated<number>;
  name: string;
  slug: string;
  description: string;
  created_at: number;
}
export interface DashboardMembersTable {
  dashboard_id: number;
  user_id: number;
  role: Role;
}
export interface MetricsTable {
  id: Generated<number>;
  dashboard_id: number;
  name: string;
  description: string;
  type: MetricType;
  unit: string;
  created_at: number;
}
/** One series: a metric plus a label set (canonical JSON, `{}` for an unlabeled metric). */
export interface SeriesTable {
  id: Generated<number>;
  metric_id: number;
  labels: string;
  created_at: number;
}
/**
 * A dashboard's stream position: `head` is the offset of the last committed point, `epoch` changes
 * whenever offsets can no longer be trusted (restore, reset), so clients resume by (epoch, offset).
 */
export interface StreamsTable {
  dashboard_id: number;
  epoch: string;
  head: number;
  /** Largest offset among the raw points retention deleted (0: none). */
  trimmed: Generated<number>;
}
/**
 * An immutable run of one series' points (tier 0) or rollup buckets (tiers 1, 2), encoded by
 * storage/codec.ts. `sealed` is 0 for the small chunks the write path makes, which compaction
 * merges; offsets are 0 for rollup chunks.
 */
export interface ChunksTable {
  id: Generated<number>;
  series_id: number;
  tier: number;
  start_ts: number;
  end_ts: number;
  count: number;
  first_offset: number;
  last_offset: number;
  sealed: number;
  data: Uint8Array;
}
export interface LayoutsTable {
  dashboard_id: number;
  /** JSON text of `Widget[]` (docs/API.md). */
  widgets: string;
  updated_at: number;
}
export interface UserPreferencesTable {
  user_id: number;
  theme: Theme;
}

export interface LoginFailuresTable {
  /** sha256 of address + NUL + user name (login-limiter.ts) */
  key: string;
  failures: number;
  reset_at: number;
}
/** Security-relevant events (audit/): who did what, when, from where; `detail` is JSON. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  action: string;
  actor_user_id: number | null;
  dashboard_id: number | null;
  address: string | null;
  detail: string;
}
export interface Database {
  audit_events: AuditEventsTable;
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  dashboard_teams: DashboardTeamsTable;
  sessions: SessionsTable;
  user_identities: UserIdentitiesTable;
  login_failures: LoginFailuresTable;
  api_tokens: ApiTokensTable;
  dashboards: DashboardsTable;
  dashboard_members: DashboardMembersTable;
  metrics: MetricsTable;
  series: SeriesTable;
  streams: StreamsTable;
  chunks: ChunksTable;
  layouts: LayoutsTable;
  user_preferences: UserPreferencesTable;
}

export type Db = Kysely<Database>;
export type DbKind = "sqlite" | "postgres";
/** Where a second connection (the read workers') finds the same database. */
export type DbTarget = { kind: "sqlite"; file: string } | { kind: "postgres"; url: string };
export type User = Selectable<UsersTable>;
export type Dashboard = Selectable<DashboardsTable>;
export type Metric = Selectable<MetricsTable>;
export type NewChunk = Insertable<ChunksTable>;
