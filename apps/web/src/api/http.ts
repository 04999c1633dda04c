// The REST client: one fetch wrapper that sends the session cookie, adds the CSRF header to every
// state-changing request, and maps error bodies to ApiError. Endpoints are thin functions on top;
// each names its entry of the REST route table (@pulseboard/client/rest-routes), from which its
// method, path, parameters, body and answer types are inferred: nothing here asserts a type.

import type { FreshnessSnapshot } from "@pulseboard/client/freshness";
import type { DashboardDefinitionInput } from "@pulseboard/protocol/definition";
import type {
  AlertEventsQuery,
  CreateDashboardBody,
  CreateMetricBody,
  ExportQuery,
  PatchDashboardBody,
  PatchMetricBody,
  Role,
  Theme,
  ValuesQuery,
  Widget,
} from "@pulseboard/protocol/rest";
import {
  type RestRoute,
  type RouteAnswer,
  type RouteInput,
  restRoutes as routes,
  routeUrl,
} from "@pulseboard/protocol/rest-routes";
import { adminApi } from "./admin.ts";
import { alertingApi } from "./alerting.ts";
import { ApiError, apiErrorCode, type ValidationIssue } from "./errors.ts";
import { historyReads } from "./limit.ts";
import type { Call } from "./request.ts";

let csrfToken: string | null = null;

/** Login and /auth/me hand out the token; it must ride along on POST/PUT/PATCH/DELETE. */
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

async function send(method: RestRoute["method"], url: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // A proxy error page is not JSON; keep the status as the message below.
  }
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed;
}

/**
 * One route of the table. The answer is the server's, serialized through the same schema, so its
 * type is the schema's (the server's REST contract spec proves the two agree field for field).
 */
const call: Call = <R extends RestRoute>(route: R, input?: RouteInput<R>) => {
  const { params, query, body } = (input ?? {}) as {
    params?: Record<string, string | number>;
    query?: Record<string, unknown>;
    body?: unknown;
  };
  return send(route.method, routeUrl(route, params, query), body) as Promise<RouteAnswer<R>>;
};

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = apiErrorCode(status, error?.code);
  const message = typeof error?.message === "string" ? error.message : `Request failed (${status})`;
  const details = Array.isArray(error?.details) ? (error.details as ValidationIssue[]) : [];
  return new ApiError(status, code, message, details);
}

export const api = {
  login: (username: string, password: string) => call(routes.login, { body: { username, password } }),
  logout: () => call(routes.logout),
  authMethods: () => call(routes.authMethods),
  me: () => call(routes.me),
  setTheme: (theme: Theme) => call(routes.setPreferences, { body: { theme } }),
  changePassword: (current_password: string, new_password: string) =>
    call(routes.changePassword, { body: { current_password, new_password } }),
  sessions: () => call(routes.listSessions),
  revokeSession: (sessionId: string) => call(routes.revokeSession, { params: { sessionId } }),
  identities: () => call(routes.listIdentities),
  unlinkIdentity: (issuer: string) => call(routes.unlinkIdentity, { query: { issuer } }),
  dashboards: () => call(routes.listDashboards),
  dashboard: (id: number) => call(routes.getDashboard, { params: { id } }),
  patchDashboard: (id: number, body: PatchDashboardBody) =>
    call(routes.patchDashboard, { params: { id }, body }),
  deleteDashboard: (id: number) => call(routes.deleteDashboard, { params: { id } }),
  members: (id: number) => call(routes.listMembers, { params: { id } }),
  putMember: (id: number, username: string, role: Role) =>
    call(routes.putMember, { params: { id }, body: { username, role } }),
  removeMember: (id: number, userId: number) => call(routes.removeMember, { params: { id, userId } }),
  withdrawInvitation: (id: number, invitationId: number) =>
    call(routes.withdrawInvitation, { params: { id, invitationId } }),
  invitations: () => call(routes.listInvitations),
  acceptInvitation: (id: number) => call(routes.acceptInvitation, { params: { id } }),
  declineInvitation: (id: number) => call(routes.declineInvitation, { params: { id } }),
  layout: (id: number) => call(routes.getLayout, { params: { id } }),
  putLayout: (id: number, widgets: Widget[]) => call(routes.putLayout, { params: { id }, body: { widgets } }),
  alerts: (id: number, query: AlertEventsQuery = { limit: 50 }) =>
    call(routes.listAlerts, { params: { id }, query }),
  acknowledgeAlert: (alertId: number) => call(routes.acknowledgeAlert, { params: { id: alertId } }),
  createDashboard: (body: CreateDashboardBody) => call(routes.createDashboard, { body }),
  createMetric: (dashboardId: number, body: CreateMetricBody) =>
    call(routes.createMetric, { params: { id: dashboardId }, body }),
  patchMetric: (metricId: number, body: PatchMetricBody) =>
    call(routes.patchMetric, { params: { id: metricId }, body }),
  deleteMetric: (metricId: number) => call(routes.deleteMetric, { params: { id: metricId } }),
  alertRules: (dashboardId: number) => call(routes.listAlertRules, { params: { id: dashboardId } }),
  createAlertRule: (dashboardId: number, body: RouteInput<typeof routes.createAlertRule>["body"]) =>
    call(routes.createAlertRule, { params: { id: dashboardId }, body }),
  patchAlertRule: (ruleId: number, body: RouteInput<typeof routes.patchAlertRule>["body"]) =>
    call(routes.patchAlertRule, { params: { id: ruleId }, body }),
  deleteAlertRule: (ruleId: number) => call(routes.deleteAlertRule, { params: { id: ruleId } }),
  ...alertingApi(call),
  ...adminApi(call),
  tokens: () => call(routes.listTokens),
  createToken: (name: string) => call(routes.createToken, { body: { name } }),
  deleteToken: (id: number) => call(routes.deleteToken, { params: { id } }),
  reportFreshness: (dashboardId: number, report: FreshnessSnapshot) =>
    call(routes.reportFreshness, { params: { id: dashboardId }, body: report }),
  /** A file the user picked, sent as it is: the server validates it and answers 400 with details. */
  applyDefinition: (definition: unknown) =>
    call(routes.applyDefinition, { body: definition as DashboardDefinitionInput }),
  /** Queued: at most three at a time, under the server's per-user cap on heavy reads. */
  values: (metricId: number, range: ValuesQuery) =>
    historyReads(() => call(routes.metricValues, { params: { id: metricId }, query: range })),
  ingest: (body: RouteInput<typeof routes.ingest>["body"]) => call(routes.ingest, { body }),
};

/** The dashboard's definition (layout, panels, metrics, alert rules; never data) as a download. */
export function definitionUrl(dashboardId: number) {
  return routeUrl(routes.getDefinition, { id: dashboardId });
}

/** A plain link the browser downloads itself (cookie auth, GET: no CSRF needed). */
export function exportUrl(
  dashboardId: number,
  format: NonNullable<ExportQuery["format"]>,
  range: Pick<ExportQuery, "from" | "to">,
) {
  return routeUrl(routes.exportDashboard, { id: dashboardId }, { format, ...range });
}
