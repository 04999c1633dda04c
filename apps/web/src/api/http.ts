// The REST client: one fetch wrapper that sends the session cookie, adds the CSRF header to every
// state-changing request, and maps error bodies to ApiError. Endpoints are thin functions on top;
// their answer and body types are inferred from the contract's Zod schemas (@pulseboard/client/rest).

import type { ApplyAnswer } from "@pulseboard/client/definition";
import type { FreshnessSnapshot } from "@pulseboard/client/freshness";
import type {
  AlertEvent,
  AlertEventsQuery,
  AlertRule,
  ApiToken,
  AuthMethods,
  CreateAlertRuleBody,
  CreateDashboardBody,
  CreateMetricBody,
  CreateTokenAnswer,
  CreateTokenBody,
  Dashboard,
  DashboardSummary,
  ExportQuery,
  Layout,
  LoginAnswer,
  LoginBody,
  MeAnswer,
  Member,
  MemberBody,
  MemberPutAnswer,
  Metric,
  PasswordChangeBody,
  PatchAlertRuleBody,
  PatchDashboardBody,
  PatchMetricBody,
  Preferences,
  Role,
  SessionInfo,
  Theme,
  ValuesAnswer,
  ValuesQuery,
  Widget,
} from "@pulseboard/client/rest";
import { alertingApi } from "./alerting.ts";
import { ApiError, apiErrorCode, type ValidationIssue } from "./errors.ts";
import type { Method } from "./request.ts";

const BASE = "/api/v1";
let csrfToken: string | null = null;

/** Login and /auth/me hand out the token; it must ride along on POST/PUT/PATCH/DELETE. */
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(BASE + path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // A proxy error page is not JSON; keep the status as the message below.
  }
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed as T;
}

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = apiErrorCode(status, error?.code);
  const message = typeof error?.message === "string" ? error.message : `Request failed (${status})`;
  const details = Array.isArray(error?.details) ? (error.details as ValidationIssue[]) : [];
  return new ApiError(status, code, message, details);
}

const q = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
};

export const api = {
  login: (username: string, password: string) =>
    request<LoginAnswer>("POST", "/auth/login", { username, password } satisfies LoginBody),
  logout: () => request<void>("POST", "/auth/logout"),
  authMethods: () => request<AuthMethods>("GET", "/auth/methods"),
  me: () => request<MeAnswer>("GET", "/auth/me"),
  setTheme: (theme: Theme) =>
    request<Preferences>("PATCH", "/me/preferences", { theme } satisfies Preferences),
  changePassword: (current_password: string, new_password: string) =>
    request<void>("POST", "/me/password", { current_password, new_password } satisfies PasswordChangeBody),
  sessions: () => request<SessionInfo[]>("GET", "/me/sessions"),
  revokeSession: (id: string) => request<void>("DELETE", `/me/sessions/${encodeURIComponent(id)}`),
  dashboards: () => request<DashboardSummary[]>("GET", "/dashboards"),
  dashboard: (id: number) => request<Dashboard>("GET", `/dashboards/${id}`),
  patchDashboard: (id: number, body: PatchDashboardBody) =>
    request<DashboardSummary>("PATCH", `/dashboards/${id}`, body),
  deleteDashboard: (id: number) => request<void>("DELETE", `/dashboards/${id}`),
  members: (id: number) => request<Member[]>("GET", `/dashboards/${id}/members`),
  putMember: (id: number, username: string, role: Role) =>
    request<MemberPutAnswer>("PUT", `/dashboards/${id}/members`, { username, role } satisfies MemberBody),
  removeMember: (id: number, userId: number) =>
    request<void>("DELETE", `/dashboards/${id}/members/${userId}`),
  layout: (id: number) => request<Layout>("GET", `/dashboards/${id}/layout`),
  putLayout: (id: number, widgets: Widget[]) =>
    request<Layout>("PUT", `/dashboards/${id}/layout`, { widgets } satisfies Layout),
  alerts: (id: number, query: AlertEventsQuery = { limit: 50 }) =>
    request<AlertEvent[]>("GET", `/dashboards/${id}/alerts${q(query)}`),
  acknowledgeAlert: (alertId: number) => request<AlertEvent>("POST", `/alerts/${alertId}/ack`),
  createDashboard: (body: CreateDashboardBody) => request<DashboardSummary>("POST", "/dashboards", body),
  createMetric: (dashboardId: number, body: CreateMetricBody) =>
    request<Metric>("POST", `/dashboards/${dashboardId}/metrics`, body),
  patchMetric: (metricId: number, body: PatchMetricBody) =>
    request<Metric>("PATCH", `/metrics/${metricId}`, body),
  deleteMetric: (metricId: number) => request<void>("DELETE", `/metrics/${metricId}`),
  alertRules: (dashboardId: number) => request<AlertRule[]>("GET", `/dashboards/${dashboardId}/alert-rules`),
  createAlertRule: (dashboardId: number, body: CreateAlertRuleBody) =>
    request<AlertRule>("POST", `/dashboards/${dashboardId}/alert-rules`, body),
  patchAlertRule: (ruleId: number, body: PatchAlertRuleBody) =>
    request<AlertRule>("PATCH", `/alert-rules/${ruleId}`, body),
  deleteAlertRule: (ruleId: number) => request<void>("DELETE", `/alert-rules/${ruleId}`),
  ...alertingApi(request),
  tokens: () => request<ApiToken[]>("GET", "/tokens"),
  createToken: (name: string) =>
    request<CreateTokenAnswer>("POST", "/tokens", { name } satisfies CreateTokenBody),
  deleteToken: (id: number) => request<void>("DELETE", `/tokens/${id}`),
  reportFreshness: (dashboardId: number, report: FreshnessSnapshot) =>
    request<void>("POST", `/dashboards/${dashboardId}/freshness`, report),
  applyDefinition: (definition: unknown) => request<ApplyAnswer>("PUT", "/definitions", definition),
  values: (metricId: number, range: ValuesQuery) =>
    request<ValuesAnswer>("GET", `/metrics/${metricId}/values${q(range)}`),
};

/** The dashboard's definition (layout, panels, metrics, alert rules; never data) as a download. */
export function definitionUrl(dashboardId: number) {
  return `${BASE}/dashboards/${dashboardId}/definition`;
}

/** A plain link the browser downloads itself (cookie auth, GET: no CSRF needed). */
export function exportUrl(
  dashboardId: number,
  format: NonNullable<ExportQuery["format"]>,
  range: Pick<ExportQuery, "from" | "to">,
) {
  return `${BASE}/dashboards/${dashboardId}/export${q({ format, ...range })}`;
}
