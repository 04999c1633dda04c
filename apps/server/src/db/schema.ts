// Owns the storage model as Kysely sees it: one interface per table. Timestamps are stored as
// integer milliseconds since the epoch in both dialects (sortable, exact, cheap to bucket).
import type { MetricType } from "@pulseboard/client/protocol";
import type { Role, Theme } from "@pulseboard/client/rest";
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
export interface SessionsTable {
  /** sha256 of the cookie value: a leaked database does not leak live sessions. */
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}
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
export interface MetricValuesTable {
  id: Generated<number>;
  metric_id: number;
  value: number;
  timestamp: number;
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
export interface Database {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  dashboard_teams: DashboardTeamsTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  api_tokens: ApiTokensTable;
  dashboards: DashboardsTable;
  dashboard_members: DashboardMembersTable;
  metrics: MetricsTable;
  metric_values: MetricValuesTable;
  layouts: LayoutsTable;
  user_preferences: UserPreferencesTable;
}

export type Db = Kysely<Database>;
export type DbKind = "sqlite" | "postgres";
export type User = Selectable<UsersTable>;
export type Dashboard = Selectable<DashboardsTable>;
export type Metric = Selectable<MetricsTable>;
export type NewMetricValue = Insertable<MetricValuesTable>;
