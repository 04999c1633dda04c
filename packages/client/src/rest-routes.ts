// The REST route table: every route of the HTTP API under /api (method, path, params, query, body
// and answer, in Zod), declared once. The server registers each route from its entry (Fastify
// validates body and query and serializes the answer with the entry's schemas; handlers take the
// validated parts after authentication, so the error order stays 401 → 404 → 400), /openapi.json
// is generated from it, the UI's REST client infers its types from it, and a spec checks
// docs/API.md against it. Depends on nothing but Zod and the contract (browser-safe).
import { z } from "zod";
import { applyAnswer, dashboardDefinition } from "./definition.ts";
import * as c from "./rest.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** Who may call: anyone ("public"), or a signed-in caller (session cookie + CSRF, or bearer token). */
export type RouteAuth = "public" | "user";

export interface RestRoute {
  readonly method: HttpMethod;
  readonly path: `/${string}`;
  readonly summary: string;
  /** the docs/API.md section, as the OpenAPI tag */
  readonly tag: string;
  readonly auth: RouteAuth;
  /** the status of success; 204 and 302 carry no JSON body */
  readonly status: 200 | 201 | 204 | 302;
  /** path parameters; every `:name` of the path (a positive integer unless declared otherwise) */
  readonly params: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** media types of a body that is not JSON (the receivers of other agents' protocols) */
  readonly consumes?: readonly string[];
  /** the JSON answer of `status`; absent when there is none or it is not JSON (see `produces`) */
  readonly response?: z.ZodType;
  /** media types of an answer that is not JSON (CSV export, HTML pages) */
  readonly produces?: readonly string[];
}

/** The `:name` parameters of a path, as a union of names. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

const ID = /^[1-9][0-9]{0,14}$/;
const idText = z.string().regex(ID).meta({ description: "a positive integer id" });

type Declared = Omit<RestRoute, "params"> & { params?: z.ZodObject };

function route<const R extends Declared>(declared: R): R & { params: z.ZodObject } {
  const names = [...declared.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
  const params = declared.params ?? z.object(Object.fromEntries(names.map((n) => [n, idText])));
  return { ...declared, params };
}

const list = <S extends z.ZodType>(item: S) => z.array(item);
const V1 = "/api/v1";

export const restRoutes = {
  // ---- auth and account ------------------------------------------------------------------------
  authMethods: route({
    method: "GET",
    path: `${V1}/auth/methods`,
    summary: "The ways in this server offers (password login, single sign-on)",
    tag: "auth",
    auth: "public",
    status: 200,
    response: c.authMethods,
  }),
  login: route({
    method: "POST",
    path: `${V1}/auth/login`,
    summary: "Sign in with a password: the session cookie and the CSRF token",
    tag: "auth",
    auth: "public",
    status: 200,
    body: c.loginBody,
    response: c.loginAnswer,
  }),
  oidcLogin: route({
    method: "GET",
    path: `${V1}/auth/oidc/login`,
    summary: "Start single sign-on: 302 to the OpenID provider (404 when not configured)",
    tag: "auth",
    auth: "public",
    status: 302,
    query: z.object({ next: z.string().optional() }),
    produces: ["text/html"],
  }),
  oidcCallback: route({
    method: "GET",
    path: `${V1}/auth/oidc/callback`,
    summary: "The provider's answer: 302 to `next` signed in, or an HTML page saying why not",
    tag: "auth",
    auth: "public",
    status: 302,
    query: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
      error_description: z.string().optional(),
    }),
    produces: ["text/html"],
  }),
  logout: route({
    method: "POST",
    path: `${V1}/auth/logout`,
    summary: "Sign out: the session is deleted and its WebSockets close with 4001",
    tag: "auth",
    auth: "user",
    status: 204,
  }),
  me: route({
    method: "GET",
    path: `${V1}/auth/me`,
    summary: "The caller, its CSRF token (null for bearer tokens) and preferences",
    tag: "auth",
    auth: "user",
    status: 200,
    response: c.meAnswer,
  }),
  setPreferences: route({
    method: "PATCH",
    path: `${V1}/me/preferences`,
    summary: "Change the caller's preferences",
    tag: "account",
    auth: "user",
    status: 200,
    body: c.preferencesBody,
    response: c.preferences,
  }),
  changePassword: route({
    method: "POST",
    path: `${V1}/me/password`,
    summary: "Change the caller's password; every other session is signed out",
    tag: "account",
    auth: "user",
    status: 204,
    body: c.passwordChangeBody,
  }),
  listSessions: route({
    method: "GET",
    path: `${V1}/me/sessions`,
    summary: "The caller's live sessions, newest first",
    tag: "account",
    auth: "user",
    status: 200,
    response: list(c.sessionInfo),
  }),
  revokeSession: route({
    method: "DELETE",
    path: `${V1}/me/sessions/:sessionId`,
    summary: "Sign out one of the caller's sessions",
    tag: "account",
    auth: "user",
    status: 204,
    params: z.object({ sessionId: z.string().min(1) }),
  }),
  myAudit: route({
    method: "GET",
    path: `${V1}/me/audit`,
    summary: "The caller's own audit events, newest first",
    tag: "audit",
    auth: "user",
    status: 200,
    query: c.auditQuery,
    response: list(c.auditEvent),
  }),
  listTokens: route({
    method: "GET",
    path: `${V1}/tokens`,
    summary: "The caller's API tokens (never the token itself)",
    tag: "tokens",
    auth: "user",
    status: 200,
    response: list(c.apiToken),
  }),
  createToken: route({
    method: "POST",
    path: `${V1}/tokens`,
    summary: "Create an API token: the plain token is shown once, stored hashed",
    tag: "tokens",
    auth: "user",
    status: 201,
    body: c.createTokenBody,
    response: c.createTokenAnswer,
  }),
  deleteToken: route({
    method: "DELETE",
    path: `${V1}/tokens/:id`,
    summary: "Revoke an API token; its WebSockets close with 4001",
    tag: "tokens",
    auth: "user",
    status: 204,
  }),

  // ---- dashboards, members, metrics, history ---------------------------------------------------
  listDashboards: route({
    method: "GET",
    path: `${V1}/dashboards`,
    summary: "The caller's dashboards, each at its highest role",
    tag: "dashboards",
    auth: "user",
    status: 200,
    response: list(c.dashboardSummary),
  }),
  createDashboard: route({
    method: "POST",
    path: `${V1}/dashboards`,
    summary: "Create a dashboard; the caller becomes its owner",
    tag: "dashboards",
    auth: "user",
    status: 201,
    body: c.createDashboardBody,
    response: c.dashboardSummary,
  }),
  getDashboard: route({
    method: "GET",
    path: `${V1}/dashboards/:id`,
    summary: "A dashboard with its metrics (viewer)",
    tag: "dashboards",
    auth: "user",
    status: 200,
    response: c.dashboard,
  }),
  patchDashboard: route({
    method: "PATCH",
    path: `${V1}/dashboards/:id`,
    summary: "Rename, describe or tag a dashboard (owner)",
    tag: "dashboards",
    auth: "user",
    status: 200,
    body: c.patchDashboardBody,
    response: c.dashboardSummary,
  }),
  deleteDashboard: route({
    method: "DELETE",
    path: `${V1}/dashboards/:id`,
    summary: "Delete a dashboard (owner); its WebSockets close with 4004",
    tag: "dashboards",
    auth: "user",
    status: 204,
  }),
  dashboardAudit: route({
    method: "GET",
    path: `${V1}/dashboards/:id/audit`,
    summary: "What happened to a dashboard, newest first (owner)",
    tag: "audit",
    auth: "user",
    status: 200,
    query: c.auditQuery,
    response: list(c.auditEvent),
  }),
  listMembers: route({
    method: "GET",
    path: `${V1}/dashboards/:id/members`,
    summary: "A dashboard's members",
    tag: "members",
    auth: "user",
    status: 200,
    response: list(c.member),
  }),
  putMember: route({
    method: "PUT",
    path: `${V1}/dashboards/:id/members`,
    summary: "Add a member or change a role (owner); the answer names nobody to non-administrators",
    tag: "members",
    auth: "user",
    status: 200,
    body: c.memberBody,
    response: c.memberPutAnswer,
  }),
  removeMember: route({
    method: "DELETE",
    path: `${V1}/dashboards/:id/members/:userId`,
    summary: "Remove a member (owner; not the last owner); their WebSockets close with 4003",
    tag: "members",
    auth: "user",
    status: 204,
  }),
  listMetrics: route({
    method: "GET",
    path: `${V1}/dashboards/:id/metrics`,
    summary: "A dashboard's metrics",
    tag: "metrics",
    auth: "user",
    status: 200,
    response: list(c.metric),
  }),
  createMetric: route({
    method: "POST",
    path: `${V1}/dashboards/:id/metrics`,
    summary: "Define a metric (editor)",
    tag: "metrics",
    auth: "user",
    status: 201,
    body: c.createMetricBody,
    response: c.metric,
  }),
  patchMetric: route({
    method: "PATCH",
    path: `${V1}/metrics/:id`,
    summary: "Rename, describe or re-unit a metric (editor; the type cannot change)",
    tag: "metrics",
    auth: "user",
    status: 200,
    body: c.patchMetricBody,
    response: c.metric,
  }),
  deleteMetric: route({
    method: "DELETE",
    path: `${V1}/metrics/:id`,
    summary: "Delete a metric, its history, widgets and rules (editor)",
    tag: "metrics",
    auth: "user",
    status: 204,
  }),
  metricValues: route({
    method: "GET",
    path: `${V1}/metrics/:id/values`,
    summary: "A metric's history: raw points or downsampled buckets",
    tag: "history",
    auth: "user",
    status: 200,
    query: c.valuesQuery,
    response: c.valuesAnswer,
  }),
  exportDashboard: route({
    method: "GET",
    path: `${V1}/dashboards/:id/export`,
    summary: "A dashboard's data as a CSV or JSON download",
    tag: "history",
    auth: "user",
    status: 200,
    query: c.exportQuery,
    produces: ["text/csv", "application/json"],
  }),
  getLayout: route({
    method: "GET",
    path: `${V1}/dashboards/:id/layout`,
    summary: "A dashboard's widgets",
    tag: "layout",
    auth: "user",
    status: 200,
    response: c.layout,
  }),
  putLayout: route({
    method: "PUT",
    path: `${V1}/dashboards/:id/layout`,
    summary: "Replace a dashboard's widgets (editor)",
    tag: "layout",
    auth: "user",
    status: 200,
    body: c.layout,
    response: c.layout,
  }),
  getDefinition: route({
    method: "GET",
    path: `${V1}/dashboards/:id/definition`,
    summary: "The dashboard's definition (layout, metrics, rules; never data) as a download",
    tag: "definitions",
    auth: "user",
    status: 200,
    response: dashboardDefinition,
  }),
  applyDefinition: route({
    method: "PUT",
    path: `${V1}/definitions`,
    summary: "Create or update the caller's dashboard of the definition's slug; idempotent",
    tag: "definitions",
    auth: "user",
    status: 200,
    body: dashboardDefinition,
    response: applyAnswer,
  }),
  reportFreshness: route({
    method: "POST",
    path: `${V1}/dashboards/:id/freshness`,
    summary: "Report a page's commit → render lag (viewer)",
    tag: "freshness",
    auth: "user",
    status: 204,
    body: c.freshnessReport,
  }),
  getFreshness: route({
    method: "GET",
    path: `${V1}/dashboards/:id/freshness`,
    summary: "The newest lag report of the last 5 minutes (viewer; 404 when none)",
    tag: "freshness",
    auth: "user",
    status: 200,
    response: c.freshnessAnswer,
  }),
  ingest: route({
    method: "POST",
    path: `${V1}/ingest`,
    summary: "Store a batch of points (editor of each dashboard); answered once committed",
    tag: "ingest",
    auth: "user",
    status: 200,
    body: c.ingestBody,
    response: c.ingestAnswer,
  }),

  // ---- alerts and notifications ----------------------------------------------------------------
  listAlertRules: route({
    method: "GET",
    path: `${V1}/dashboards/:id/alert-rules`,
    summary: "A dashboard's alert rules",
    tag: "alerts",
    auth: "user",
    status: 200,
    response: list(c.alertRule),
  }),
  createAlertRule: route({
    method: "POST",
    path: `${V1}/dashboards/:id/alert-rules`,
    summary: "Create an alert rule on a metric of the dashboard (editor)",
    tag: "alerts",
    auth: "user",
    status: 201,
    body: c.createAlertRuleRequest,
    response: c.alertRule,
  }),
  patchAlertRule: route({
    method: "PATCH",
    path: `${V1}/alert-rules/:id`,
    summary: "Change an alert rule (editor)",
    tag: "alerts",
    auth: "user",
    status: 200,
    body: c.patchAlertRuleBody,
    response: c.alertRule,
  }),
  deleteAlertRule: route({
    method: "DELETE",
    path: `${V1}/alert-rules/:id`,
    summary: "Delete an alert rule (editor)",
    tag: "alerts",
    auth: "user",
    status: 204,
  }),
  alertStates: route({
    method: "GET",
    path: `${V1}/dashboards/:id/alert-states`,
    summary: "One state per rule, problems first",
    tag: "alerts",
    auth: "user",
    status: 200,
    response: list(c.alertRuleState),
  }),
  ruleEvents: route({
    method: "GET",
    path: `${V1}/alert-rules/:id/events`,
    summary: "A rule's event history, newest first",
    tag: "alerts",
    auth: "user",
    status: 200,
    query: c.deliveriesQuery,
    response: list(c.alertEvent),
  }),
  listAlerts: route({
    method: "GET",
    path: `${V1}/dashboards/:id/alerts`,
    summary: "A dashboard's alert events, newest first",
    tag: "alerts",
    auth: "user",
    status: 200,
    query: c.alertEventsQuery,
    response: list(c.alertEvent),
  }),
  acknowledgeAlert: route({
    method: "POST",
    path: `${V1}/alerts/:id/ack`,
    summary: "Acknowledge the open event of a rule (409 when no longer open)",
    tag: "alerts",
    auth: "user",
    status: 200,
    response: c.alertEvent,
  }),
  listContactPoints: route({
    method: "GET",
    path: `${V1}/dashboards/:id/contact-points`,
    summary: "A dashboard's contact points (editor)",
    tag: "notifications",
    auth: "user",
    status: 200,
    response: list(c.contactPoint),
  }),
  createContactPoint: route({
    method: "POST",
    path: `${V1}/dashboards/:id/contact-points`,
    summary: "Create a webhook, email or Slack contact point (editor)",
    tag: "notifications",
    auth: "user",
    status: 201,
    body: c.createContactPointBody,
    response: c.contactPoint,
  }),
  patchContactPoint: route({
    method: "PATCH",
    path: `${V1}/contact-points/:id`,
    summary: "Change a contact point (editor)",
    tag: "notifications",
    auth: "user",
    status: 200,
    body: c.patchContactPointBody,
    response: c.contactPoint,
  }),
  deleteContactPoint: route({
    method: "DELETE",
    path: `${V1}/contact-points/:id`,
    summary: "Delete a contact point (editor)",
    tag: "notifications",
    auth: "user",
    status: 204,
  }),
  testContactPoint: route({
    method: "POST",
    path: `${V1}/contact-points/:id/test`,
    summary: "Send one test notification now",
    tag: "notifications",
    auth: "user",
    status: 200,
    response: c.testAnswer,
  }),
  listDeliveries: route({
    method: "GET",
    path: `${V1}/contact-points/:id/deliveries`,
    summary: "A contact point's delivery log, newest first",
    tag: "notifications",
    auth: "user",
    status: 200,
    query: c.deliveriesQuery,
    response: list(c.delivery),
  }),
  listSilences: route({
    method: "GET",
    path: `${V1}/dashboards/:id/silences`,
    summary: "A dashboard's active silences",
    tag: "notifications",
    auth: "user",
    status: 200,
    response: list(c.silence),
  }),
  createSilence: route({
    method: "POST",
    path: `${V1}/dashboards/:id/silences`,
    summary: "Mute one rule or the whole dashboard until a time (editor)",
    tag: "notifications",
    auth: "user",
    status: 201,
    body: c.createSilenceBody,
    response: c.silence,
  }),
  deleteSilence: route({
    method: "DELETE",
    path: `${V1}/silences/:id`,
    summary: "End a silence (editor)",
    tag: "notifications",
    auth: "user",
    status: 204,
  }),

  // ---- administration and teams ----------------------------------------------------------------
  listUsers: route({
    method: "GET",
    path: `${V1}/admin/users`,
    summary: "Every user (administrators)",
    tag: "admin",
    auth: "user",
    status: 200,
    response: list(c.adminUser),
  }),
  createUser: route({
    method: "POST",
    path: `${V1}/admin/users`,
    summary: "Create a user; without a password one is generated and answered once (administrators)",
    tag: "admin",
    auth: "user",
    status: 201,
    body: c.createUserBody,
    response: c.createUserAnswer,
  }),
  patchUser: route({
    method: "PATCH",
    path: `${V1}/admin/users/:id`,
    summary: "Promote, demote, disable or enable a user (administrators)",
    tag: "admin",
    auth: "user",
    status: 200,
    body: c.patchUserBody,
    response: c.adminUser,
  }),
  deleteUser: route({
    method: "DELETE",
    path: `${V1}/admin/users/:id`,
    summary: "Delete a user, not yourself (administrators)",
    tag: "admin",
    auth: "user",
    status: 204,
  }),
  resetPassword: route({
    method: "POST",
    path: `${V1}/admin/users/:id/password`,
    summary: "Reset a user's password and sign them out everywhere (administrators)",
    tag: "admin",
    auth: "user",
    status: 200,
    body: c.resetPasswordBody.optional(),
    response: c.resetPasswordAnswer,
  }),
  listTeams: route({
    method: "GET",
    path: `${V1}/teams`,
    summary: "Every team with its members",
    tag: "teams",
    auth: "user",
    status: 200,
    response: list(c.team),
  }),
  createTeam: route({
    method: "POST",
    path: `${V1}/teams`,
    summary: "Create a team (administrators)",
    tag: "teams",
    auth: "user",
    status: 201,
    body: c.teamBody,
    response: c.team,
  }),
  deleteTeam: route({
    method: "DELETE",
    path: `${V1}/teams/:id`,
    summary: "Delete a team (administrators)",
    tag: "teams",
    auth: "user",
    status: 204,
  }),
  addTeamMember: route({
    method: "PUT",
    path: `${V1}/teams/:id/members`,
    summary: "Add a user to a team (administrators)",
    tag: "teams",
    auth: "user",
    status: 200,
    body: c.teamMemberBody,
    response: c.team,
  }),
  removeTeamMember: route({
    method: "DELETE",
    path: `${V1}/teams/:id/members/:userId`,
    summary: "Remove a user from a team (administrators)",
    tag: "teams",
    auth: "user",
    status: 204,
  }),
  listDashboardTeams: route({
    method: "GET",
    path: `${V1}/dashboards/:id/teams`,
    summary: "The teams of a dashboard",
    tag: "teams",
    auth: "user",
    status: 200,
    response: list(c.dashboardTeam),
  }),
  putDashboardTeam: route({
    method: "PUT",
    path: `${V1}/dashboards/:id/teams`,
    summary: "Give a team a role on a dashboard (owner)",
    tag: "teams",
    auth: "user",
    status: 200,
    body: c.dashboardTeamBody,
    response: list(c.dashboardTeam),
  }),
  removeDashboardTeam: route({
    method: "DELETE",
    path: `${V1}/dashboards/:id/teams/:teamId`,
    summary: "Take a team off a dashboard (owner)",
    tag: "teams",
    auth: "user",
    status: 204,
  }),
  dashboardAccess: route({
    method: "GET",
    path: `${V1}/dashboards/:id/access`,
    summary: "Who reaches a dashboard and through what (owner)",
    tag: "teams",
    auth: "user",
    status: 200,
    response: list(c.accessEntry),
  }),

  // ---- health and receivers --------------------------------------------------------------------
  live: route({
    method: "GET",
    path: `${V1}/live`,
    summary: "Liveness: 200 while the process answers",
    tag: "health",
    auth: "public",
    status: 200,
    response: c.healthAnswer,
  }),
  ready: route({
    method: "GET",
    path: `${V1}/ready`,
    summary: "Readiness: 200 when storage and channel layer answer, else 503",
    tag: "health",
    auth: "public",
    status: 200,
    response: c.healthAnswer,
  }),
  health: route({
    method: "GET",
    path: `${V1}/health`,
    summary: "Health of storage and channel layer (503 when degraded)",
    tag: "health",
    auth: "public",
    status: 200,
    response: c.healthAnswer,
  }),
  remoteWrite: route({
    method: "POST",
    path: `${V1}/write`,
    summary: "Prometheus remote_write 1.0 (snappy protobuf WriteRequest); `?dashboard=`",
    tag: "receivers",
    auth: "user",
    status: 204,
    query: z.object({ dashboard: z.string().optional() }),
    consumes: ["application/x-protobuf"],
  }),
  influxWrite: route({
    method: "POST",
    path: "/api/v2/write",
    summary: "InfluxDB 2 line protocol; `?bucket=` or `?dashboard=`, `?precision=`",
    tag: "receivers",
    auth: "user",
    status: 204,
    query: z.object({
      bucket: z.string().optional(),
      dashboard: z.string().optional(),
      precision: z.string().optional(),
    }),
    consumes: ["text/plain"],
  }),
} as const satisfies Record<string, RestRoute>;

type HasParams<R extends RestRoute> = [PathParams<R["path"]>] extends [never] ? false : true;
/** What a caller passes: path parameters, the query (defaults are the server's) and the body. */
export type RouteInput<R extends RestRoute> = (HasParams<R> extends true
  ? { params: Record<PathParams<R["path"]>, string | number> }
  : { params?: never }) &
  (R extends { query: infer Q extends z.ZodType } ? { query?: Partial<z.input<Q>> } : { query?: never }) &
  (R extends { body: infer B extends z.ZodType } ? { body: z.input<B> } : { body?: never });
/** What the route answers on success (`undefined` for 204 and answers that are not JSON). */
export type RouteAnswer<R extends RestRoute> = R extends { response: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/** The route's URL for these parameters and query (undefined query values are left out). */
export function routeUrl(
  r: RestRoute,
  params: Record<string, string | number> = {},
  query: Record<string, unknown> = {},
): string {
  const path = r.path.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${r.method} ${r.path}: no value for :${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
