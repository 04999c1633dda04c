// The REST contract of docs/API.md as Zod schemas: the answers and request bodies the web UI and
// programs exchange with the server, declared once so that the UI (and any server route that
// imports them, `@pulseboard/client/rest`) infer their types from the same definition instead of
// keeping copies by hand. Like protocol.ts it depends on nothing but Zod.
import { z } from "zod";
import { isoTimestamp, metricId, metricType, metricValue } from "./protocol.ts";

const id = z.number().int().positive();

// ---- users and sessions ----------------------------------------------------------------------

export const role = z.enum(["viewer", "editor", "owner"]);
export const theme = z.enum(["dark", "light"]);
export const user = z.object({ id, username: z.string() });
export const preferences = z.object({ theme });

export const loginBody = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1000),
});
export const loginAnswer = z.object({ user, csrfToken: z.string() });
/** `GET /auth/me`; `csrfToken` is null for bearer-token callers (they never need one). */
export const meAnswer = z.object({ user, csrfToken: z.string().nullable(), preferences });
export const preferencesBody = z.strictObject({ theme });

// ---- dashboards, members, metrics ------------------------------------------------------------

export const metric = z.object({
  id: metricId,
  dashboard_id: id,
  name: z.string(),
  // "" when not given, as in the WebSocket `dashboard_config` (never null).
  description: z.string(),
  type: metricType,
  unit: z.string(),
});
export const createMetricBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  type: metricType,
  unit: z.string().max(50).optional(),
});

export const dashboardSummary = z.object({
  id,
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  created_at: isoTimestamp,
  role,
});
export const dashboard = dashboardSummary.extend({ metrics: z.array(metric) });
export const createDashboardBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: z.string().min(1).max(64).optional(),
  description: z.string().max(2000).optional(),
});

export const member = z.object({ user_id: id, username: z.string(), role });
export const memberBody = z.strictObject({ username: z.string().min(1).max(200), role });

// ---- history ---------------------------------------------------------------------------------

/** A stored value; downsampled answers (`points=`) add the bucket's min, max and count. */
export const storedPoint = z.object({
  value: metricValue,
  timestamp: isoTimestamp,
  min: z.number().optional(),
  max: z.number().optional(),
  count: z.number().int().optional(),
});
export const valuesAnswer = z.object({ metric_id: metricId, values: z.array(storedPoint) });

// ---- layout ----------------------------------------------------------------------------------

export const widgetType = z.enum(["metric", "system", "activity", "counter", "connections", "alerts"]);
export const chartKind = z.enum(["line", "bars", "area"]);
const cell = z.number().int().min(0).max(1000);
export const widget = z.object({
  id: z.string().min(1).max(100),
  type: widgetType,
  metric_id: metricId.optional(),
  chart: chartKind.optional(),
  x: cell,
  y: cell,
  w: cell,
  h: cell,
});
/** `GET`/`PUT /dashboards/:id/layout`: the answer and the body have the same shape. */
export const layout = z.strictObject({ widgets: z.array(widget).max(500) });

// ---- alerts ----------------------------------------------------------------------------------

export const alertState = z.enum(["firing", "resolved"]);
export const alertEvent = z.object({
  id,
  rule_id: id,
  metric_id: metricId,
  state: alertState,
  value: metricValue,
  threshold: z.number(),
  message: z.string(),
  created_at: isoTimestamp,
  acknowledged_at: isoTimestamp.nullable(),
  /** the user id of whoever acknowledged first */
  acknowledged_by: id.nullable(),
});
export const alertRule = z.object({
  id,
  metric_id: metricId,
  condition: z.enum(["above", "below"]),
  threshold: z.number(),
  duration_s: z.number().int().min(0).max(604_800),
  hysteresis: z.number().min(0),
  enabled: z.boolean(),
});
export const createAlertRuleBody = z.strictObject({
  metric_id: metricId,
  condition: alertRule.shape.condition,
  threshold: z.number(),
  duration_s: alertRule.shape.duration_s.optional(),
  hysteresis: alertRule.shape.hysteresis.optional(),
  enabled: z.boolean().optional(),
});

// ---- errors ----------------------------------------------------------------------------------

export const errorDetail = z.object({
  type: z.string(),
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
});
export const errorAnswer = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(errorDetail).optional() }),
});

// ---- inferred types --------------------------------------------------------------------------

export type Role = z.infer<typeof role>;
export type Theme = z.infer<typeof theme>;
export type User = z.infer<typeof user>;
export type LoginBody = z.infer<typeof loginBody>;
export type LoginAnswer = z.infer<typeof loginAnswer>;
export type MeAnswer = z.infer<typeof meAnswer>;
export type Preferences = z.infer<typeof preferences>;
export type Metric = z.infer<typeof metric>;
export type CreateMetricBody = z.infer<typeof createMetricBody>;
export type DashboardSummary = z.infer<typeof dashboardSummary>;
export type Dashboard = z.infer<typeof dashboard>;
export type CreateDashboardBody = z.infer<typeof createDashboardBody>;
export type Member = z.infer<typeof member>;
export type MemberBody = z.infer<typeof memberBody>;
export type StoredPoint = z.infer<typeof storedPoint>;
export type ValuesAnswer = z.infer<typeof valuesAnswer>;
export type WidgetType = z.infer<typeof widgetType>;
export type ChartKind = z.infer<typeof chartKind>;
export type Widget = z.infer<typeof widget>;
export type Layout = z.infer<typeof layout>;
export type AlertState = z.infer<typeof alertState>;
export type AlertEvent = z.infer<typeof alertEvent>;
export type AlertRule = z.infer<typeof alertRule>;
export type CreateAlertRuleBody = z.infer<typeof createAlertRuleBody>;
export type ErrorDetail = z.infer<typeof errorDetail>;
export type ErrorAnswer = z.infer<typeof errorAnswer>;
