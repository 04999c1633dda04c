// The REST contract of docs/API.md as Zod schemas: the answers and request bodies the web UI and
// programs exchange with the server, declared once. The server validates request bodies with these
// very schemas (so their bounds are the server's: lengths, `.strict()`, enums) and types the
// answers it builds with the inferred types; the UI infers its types from the same definitions.
// Like protocol.ts it depends on nothing but Zod (browser-safe).
import { z } from "zod";
import {
  alertReason,
  alertState,
  alertStatus,
  isoTimestamp,
  labelName,
  metricId,
  metricType,
  metricValue,
  selectorText,
  seriesLabels,
  type ValidationIssue,
  validationIssue,
} from "./messages.ts";

export * from "./rest-admin.ts";
export * from "./rest-alerting.ts";
export * from "./rest-ingest.ts";
export { alertReason, alertState, alertStatus };

const id = z.number().int().positive();
// Zod 4 already refuses ±Infinity in z.number(); the refinement states the rule where it matters.
const finite = z.number().refine(Number.isFinite, "must be a finite number");

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
/** GET /auth/methods: the ways in this server offers (password login can be off; single sign-on on). */
export const authMethods = z.object({
  password: z.boolean(),
  sso: z.object({ name: z.string(), url: z.string() }).nullable(),
});
/** `GET /auth/me`; `csrfToken` is null for bearer-token callers (they never need one). */
/**
 * `admin`: the caller is an instance administrator (the UI shows the users page). `signOutUrl`:
 * where to send the browser after `logout` so the single sign-on provider ends its session too
 * (null for a password session or a token).
 */
export const meAnswer = z.object({
  user: user.extend({ admin: z.boolean() }),
  csrfToken: z.string().nullable(),
  preferences,
  signOutUrl: z.string().nullable(),
});
export const preferencesBody = z.strictObject({ theme });
/** `POST /me/password`: the server applies its password policy to `new_password` (400 with details). */
export const passwordChangeBody = z.strictObject({
  current_password: z.string().min(1).max(1024),
  new_password: z.string().min(1).max(1024),
});
/** `GET /dashboards/:id/audit` (owners) and `GET /me/audit`: newest first, `before` an event id. */
export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().positive().optional(),
});
export const auditEvent = z.object({
  id,
  at: isoTimestamp,
  action: z.string(),
  actor: z.object({ id, username: z.string().nullable() }).nullable(),
  dashboard_id: id.nullable(),
  address: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
/** `GET /me/sessions`: the caller's signed-in browsers; `current` is the one asking. */
/** A single sign-on identity linked to the caller's account (`sign in with …` reaches it). */
export const linkedIdentity = z.object({
  issuer: z.string(),
  linked_at: isoTimestamp,
  last_login_at: isoTimestamp,
});
export const unlinkIdentityQuery = z.object({ issuer: z.string().min(1).max(2000) });

export const sessionInfo = z.object({
  id: z.string(),
  created_at: isoTimestamp,
  expires_at: isoTimestamp,
  user_agent: z.string().nullable(),
  address: z.string().nullable(),
  current: z.boolean(),
});

/** `GET /tokens` lists them; the plain token is only in the `POST /tokens` answer. */
export const apiToken = z.object({
  id,
  name: z.string(),
  created_at: isoTimestamp,
  last_used_at: isoTimestamp.nullable(),
});
export const createTokenBody = z.strictObject({ name: z.string().trim().min(1).max(200) });
export const createTokenAnswer = z.object({ id, name: z.string(), token: z.string() });

// ---- dashboards, members, metrics ------------------------------------------------------------

export const metric = z.object({
  id: metricId,
  dashboard_id: id,
  name: z.string(),
  // "" when not given, as in the WebSocket `dashboard_config` (never null).
  description: z.string(),
  type: metricType,
  unit: z.string(),
  /** a labeled series: `name` is its key `family{…}` (see `dashboard_config`) */
  family: z.string().optional(),
  labels: seriesLabels.optional(),
});
export const createMetricBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  type: metricType,
  unit: z.string().max(50).optional(),
  /** creates the series `name{labels}` (its name is then that key) */
  labels: seriesLabels.optional(),
});
/** `PATCH /metrics/:id`: the type cannot change. */
export const patchMetricBody = createMetricBody.pick({ name: true, description: true, unit: true }).partial();

export const dashboardSummary = z.object({
  id,
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  created_at: isoTimestamp,
  role,
  /** labels to search and filter the list by (list and PATCH answers) */
  tags: z.array(z.string()).optional(),
});
export const dashboard = dashboardSummary.extend({ metrics: z.array(metric) });
export const createDashboardBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: z.string().min(1).max(64).optional(),
  description: z.string().max(2000).optional(),
});
/** `PATCH /dashboards/:id`: the slug cannot change; `tags` replaces the set. */
export const patchDashboardBody = createDashboardBody
  .pick({ name: true, description: true })
  .extend({
    tags: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(40)
          .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.:/-]*$/u, "letters, digits, space and _ . : / -"),
      )
      .max(20),
  })
  .partial();

export const member = z.object({ user_id: id, username: z.string(), role });
/**
 * An invitation not yet accepted, as the dashboard's owners see it: by the name they typed, the
 * same whether or not an account of that name exists (issue 15).
 */
export const pendingMember = z.object({
  invitation_id: id,
  username: z.string(),
  role,
  status: z.literal("pending"),
});
/** GET members: the members, then (for owners) the pending invitations. */
export const memberListEntry = z.union([member, pendingMember]);
export const memberBody = z.strictObject({ username: z.string().min(1).max(200), role });
/**
 * PUT members' answer. `member`: the name is a member already and its role is now `role`, or an
 * administrator added the user directly (`user_id` included; 404 for an unknown name). `invited`:
 * anyone else's name gets an invitation, answered byte for byte the same whether or not such a
 * user exists, so the answer names nobody.
 */
export const memberPutAnswer = z.object({
  user_id: id.optional(),
  username: z.string(),
  role,
  status: z.enum(["member", "invited"]),
});
/** An invitation as its invitee sees it (GET /invitations). */
export const invitation = z.object({
  id,
  dashboard_id: id,
  dashboard_name: z.string(),
  role,
  /** who invited, while that account exists */
  invited_by: z.string().nullable(),
  created_at: isoTimestamp,
});

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

// Query strings arrive as text: numbers are coerced, bounds are the server's.
const isoQuery = isoTimestamp.optional();
/** `?from=&to=` (ISO-8601) of history and export. */
/** `GET /dashboards/:id/metrics?selector=cpu{host=~"web-.*"}`: only the series it matches. */
export const metricsQuery = z.object({ selector: selectorText.optional() });
export const rangeQuery = z.object({ from: isoQuery, to: isoQuery });
/** GET /metrics/:id/values: `limit` raw points, or `points` buckets (downsampled). */
export const valuesQuery = rangeQuery.extend({
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  points: z.coerce.number().int().min(1).max(10_000).optional(),
});
/** GET /dashboards/:id/export */
export const exportQuery = rangeQuery.extend({
  format: z.enum(["csv", "json"]).default("csv"),
  metric_id: z.coerce.number().int().positive().optional(),
});

// ---- layout ----------------------------------------------------------------------------------

export const widgetType = z.enum([
  "metric",
  "system",
  "activity",
  "counter",
  "connections",
  "alerts",
  /** latest value of every metric of the dashboard, sortable */
  "table",
  /** a note in Markdown (headings, lists, emphasis, links, code) */
  "text",
]);
/**
 * How a metric widget draws: over time (line, bars, area), as one number (stat, with sparkline and
 * colour thresholds) or a gauge; a histogram as percentiles over time, a heatmap, or its value
 * distribution ("bars" on a histogram, as before).
 */
export const chartKind = z.enum(["line", "bars", "area", "stat", "gauge", "percentiles", "heatmap"]);
const cell = z.number().int().min(0).max(1000);
/** A stat/gauge colour step: from this value up, the number is drawn in this colour. */
export const widgetThreshold = z.strictObject({
  value: finite,
  color: z.enum(["green", "yellow", "orange", "red", "blue"]),
});
export const widget = z.strictObject({
  id: z.string().min(1).max(100),
  type: widgetType,
  metric_id: metricId.optional(),
  chart: chartKind.optional(),
  x: cell,
  y: cell,
  w: cell,
  h: cell,
  /** shown instead of the metric's name (two cards of one metric can then be told apart) */
  title: z.string().trim().max(200).optional(),
  /** a counter drawn as its per-second rate (default) or its raw total */
  counter: z.enum(["rate", "total"]).optional(),
  thresholds: z.array(widgetThreshold).max(10).optional(),
  /** gauge bounds (default 0–100 for %, else 0 to the largest value seen) */
  min: finite.optional(),
  max: finite.optional(),
  /**
   * A metric widget over many series: a selector (`cpu{host=~"web-.*"}`) instead of `metric_id`;
   * one line per series, or per value of the `group_by` labels combined by `aggregate` (avg).
   */
  series: selectorText.optional(),
  group_by: z.array(labelName).max(8).optional(),
  aggregate: z.enum(["avg", "sum", "min", "max"]).optional(),
  /** a series panel's legend order: by line name (default) or by newest value, largest first */
  legend_sort: z.enum(["name", "value"]).optional(),
  /** the text widget's Markdown */
  text: z.string().max(20_000).optional(),
});
/** `GET`/`PUT /dashboards/:id/layout`: the answer and the body have the same shape. */
export const layout = z.strictObject({ widgets: z.array(widget).max(500) });

// ---- alerts ----------------------------------------------------------------------------------

export const alertCondition = z.enum(["above", "below"]);
export const alertEvent = z.object({
  id,
  rule_id: id,
  metric_id: metricId,
  state: alertState,
  value: metricValue,
  threshold: finite,
  message: z.string(),
  created_at: isoTimestamp,
  acknowledged_at: isoTimestamp.nullable(),
  /** the user id of whoever acknowledged first */
  acknowledged_by: id.nullable(),
  /** the status this event put its rule in */
  status: alertStatus,
  reason: alertReason,
  /** the rule's current firing / no_data event: the only one that can be acknowledged */
  open: z.boolean(),
});
export const alertRule = z.object({
  id,
  metric_id: metricId,
  condition: alertCondition,
  threshold: finite,
  // A week is far beyond any sensible "must hold for" window; the cap keeps timers sane.
  duration_s: z.number().int().min(0).max(604_800),
  // Bounded so that a rule can always resolve again: 1e308 passed `isFinite`, and a firing rule
  // then waited for a value below threshold - 1e308 for ever. 1e15 exceeds any sensible band.
  hysteresis: z.number().min(0).max(1e15),
  enabled: z.boolean(),
  /** Seconds without a point before the rule goes to no_data (0: never). */
  no_data_s: z.number().int().min(0).max(604_800),
  /** The series selector whose rule set this series' rule belongs to (rules made by selector). */
  selector: selectorText.optional(),
});
/** `POST /dashboards/:id/alert-rules`; the server fills `duration_s` 0, `hysteresis` 0, `enabled` true,
 * `no_data_s` 0. */
export const createAlertRuleBody = z.strictObject({
  metric_id: metricId,
  condition: alertCondition,
  threshold: finite,
  duration_s: alertRule.shape.duration_s.optional(),
  hysteresis: alertRule.shape.hysteresis.optional(),
  enabled: z.boolean().optional(),
  no_data_s: alertRule.shape.no_data_s.optional(),
});
/** The create body as the server reads it: what a client leaves out gets the documented defaults. */
export const createAlertRuleRequest = createAlertRuleBody.extend({
  duration_s: alertRule.shape.duration_s.default(0),
  hysteresis: alertRule.shape.hysteresis.default(0),
  enabled: z.boolean().default(true),
  no_data_s: alertRule.shape.no_data_s.default(0),
});
/**
 * `POST /dashboards/:id/alert-rules/by-selector`: one rule per series the selector matches, now
 * and whenever a matching series is created later (an alert instance per label set).
 */
export const createSelectorRulesBody = createAlertRuleBody
  .omit({ metric_id: true })
  .extend({ selector: selectorText });
export const createSelectorRulesRequest = createAlertRuleRequest.omit({ metric_id: true }).extend({
  selector: selectorText,
});
export const selectorRulesAnswer = z.object({ selector: z.string(), rules: z.array(alertRule) });
/** `PATCH /alert-rules/:id`: any non-empty subset of the rule but its metric. */
export const patchAlertRuleBody = alertRule
  .pick({
    condition: true,
    threshold: true,
    duration_s: true,
    hysteresis: true,
    enabled: true,
    no_data_s: true,
  })
  .strict()
  .partial()
  .refine((body) => Object.keys(body).length > 0, "at least one field is required");
/**
 * `GET /dashboards/:id/alert-rule-sets`: the rules one selector made, as one set. A set is named by
 * its oldest rule (the one a series created later copies), and shows that rule's settings.
 */
export const alertRuleSet = alertRule.omit({ id: true, metric_id: true, selector: true }).extend({
  id,
  selector: selectorText,
  /** the set's rules, oldest first: one per matching series */
  rule_ids: z.array(id),
  /** how many series the set alerts on (its rules) */
  series: z.number().int().min(1),
});

/** GET /dashboards/:id/alerts: newest first, optionally only one state or the unacknowledged. */
export const alertEventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  state: alertState.optional(),
  unacknowledged: z.enum(["true", "false"]).optional(),
});

// ---- errors ----------------------------------------------------------------------------------

// The codes, with their statuses, are the one table of @pulseboard/channels/error-codes; `code`
// stays a string here so an older client still reads a code added by a newer server.
export { type ErrorCode, errorCodes } from "@pulseboard/channels/error-codes";
export const errorAnswer = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(validationIssue).optional() }),
});

// ---- inferred types --------------------------------------------------------------------------

export type Role = z.infer<typeof role>;
export type Theme = z.infer<typeof theme>;
export type User = z.infer<typeof user>;
export type LoginBody = z.infer<typeof loginBody>;
export type LoginAnswer = z.infer<typeof loginAnswer>;
export type AuthMethods = z.infer<typeof authMethods>;
export type MeAnswer = z.infer<typeof meAnswer>;
export type Preferences = z.infer<typeof preferences>;
export type LinkedIdentity = z.infer<typeof linkedIdentity>;
export type PreferencesBody = z.infer<typeof preferencesBody>;
export type PasswordChangeBody = z.infer<typeof passwordChangeBody>;
export type SessionInfo = z.infer<typeof sessionInfo>;
export type AuditEvent = z.infer<typeof auditEvent>;
export type ApiToken = z.infer<typeof apiToken>;
export type CreateTokenBody = z.infer<typeof createTokenBody>;
export type CreateTokenAnswer = z.infer<typeof createTokenAnswer>;
export type Metric = z.infer<typeof metric>;
export type CreateMetricBody = z.infer<typeof createMetricBody>;
export type PatchMetricBody = z.infer<typeof patchMetricBody>;
export type DashboardSummary = z.infer<typeof dashboardSummary>;
export type Dashboard = z.infer<typeof dashboard>;
export type CreateDashboardBody = z.infer<typeof createDashboardBody>;
export type PatchDashboardBody = z.infer<typeof patchDashboardBody>;
export type Member = z.infer<typeof member>;
export type MemberBody = z.infer<typeof memberBody>;
export type MemberPutAnswer = z.infer<typeof memberPutAnswer>;
export type PendingMember = z.infer<typeof pendingMember>;
export type MemberListEntry = z.infer<typeof memberListEntry>;
export type Invitation = z.infer<typeof invitation>;
export type StoredPoint = z.infer<typeof storedPoint>;
export type ValuesAnswer = z.infer<typeof valuesAnswer>;
/** What a caller may put in the query: any of the fields, the server applies the defaults. */
export type ValuesQuery = Partial<z.infer<typeof valuesQuery>>;
export type ExportQuery = Partial<z.infer<typeof exportQuery>>;
export type AlertEventsQuery = Partial<z.infer<typeof alertEventsQuery>>;
export type WidgetType = z.infer<typeof widgetType>;
export type WidgetThreshold = z.infer<typeof widgetThreshold>;
export type ChartKind = z.infer<typeof chartKind>;
export type Widget = z.infer<typeof widget>;
export type Layout = z.infer<typeof layout>;
export type AlertState = z.infer<typeof alertState>;
export type AlertStatus = z.infer<typeof alertStatus>;
export type AlertReason = z.infer<typeof alertReason>;
export type AlertCondition = z.infer<typeof alertCondition>;
export type AlertEvent = z.infer<typeof alertEvent>;
export type AlertRule = z.infer<typeof alertRule>;
export type CreateAlertRuleBody = z.infer<typeof createAlertRuleBody>;
export type PatchAlertRuleBody = z.infer<typeof patchAlertRuleBody>;
export type AlertRuleSet = z.infer<typeof alertRuleSet>;
export type { ValidationIssue };
export type ErrorAnswer = z.infer<typeof errorAnswer>;
