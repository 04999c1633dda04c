// The dashboard WebSocket protocol: one Zod schema per message, exactly as in DESIGN.md plus the
// extensions of docs/API.md. This module (`@pulseboard/protocol`) is the single definition shared
// by the server (its dashboard contract), the SDK (re-exported as `@pulseboard/client/protocol`),
// the AsyncAPI document and the web UI; it depends on nothing but Zod (and the framework's Zod-only
// protocol module), so the server imports it without client code and the browser without Node's.
import {
  AuthenticationPayload,
  CompletePayload,
  DrainingPayload,
  ErrorPayload,
  CloseCode as FrameworkCloseCode,
  ValidationIssue as FrameworkValidationIssue,
} from "@pulseboard/channels/protocol";
import { z } from "zod";
import { MAX_SELECTOR_LENGTH } from "./series.ts";

// ---- building blocks -------------------------------------------------------------------------

export const metricId = z.number().int().positive();
/** A series' label set: label name → value (see series.ts for the key they make with the name). */
export const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
  .max(128);
export const seriesLabels = z.record(labelName, z.string().max(512));
/** A PromQL-style series selector, `cpu{host=~"web-.*"}` (parsed by series.ts). */
export const selectorText = z.string().min(1).max(MAX_SELECTOR_LENGTH);
// Zod 4 numbers already refuse NaN and ±Infinity, which is exactly the "finite values" rule.
export const metricValue = z.number();
// UTC with `Z` is what the server emits; offsets are accepted on input so that a client in
// another zone can still say `resume since` without converting first.
export const isoTimestamp = z.iso.datetime({ offset: true });
export const metricType = z.enum(["counter", "gauge", "histogram"]);
/** An alert event's state, on the wire (`alert`) and over REST (alert events). */
export const alertState = z.enum(["firing", "resolved"]);
/** A rule's one current status; `firing` and `no_data` are the ones that notify and can be acknowledged. */
export const alertStatus = z.enum(["ok", "pending", "firing", "no_data"]);
/** Why an alert event happened: the value crossed the threshold, the metric went silent or spoke
 * again, or the rule was edited, disabled or deleted (which closes its open event). */
export const alertReason = z.enum([
  "threshold",
  "no_data",
  "data_returned",
  "rule_changed",
  "rule_disabled",
  "rule_deleted",
]);

/** A position in a dashboard's stream: assigned at commit, strictly increasing in commit order. */
export const streamOffset = z
  .number()
  .int()
  .nonnegative()
  .max(Number.MAX_SAFE_INTEGER)
  .describe("Position in the dashboard's stream: assigned at commit, strictly increasing in commit order");
/** Changes whenever offsets can no longer be trusted (storage reset, restore from a backup). */
export const streamEpoch = z
  .string()
  .min(1)
  .max(64)
  .describe("Changes whenever offsets can no longer be trusted (storage reset, restore from a backup)");

export const point = z.object({
  value: metricValue,
  timestamp: isoTimestamp,
  /** The point's stream offset (optional extension; DESIGN.md points have none). */
  offset: streamOffset.optional(),
});

export const metricInfo = z.object({
  id: metricId,
  name: z.string(),
  description: z.string(),
  type: metricType,
  // "" when the metric has no unit (never null), so the UI can print it as-is.
  unit: z.string(),
  /**
   * A labeled series (optional extension, only when it has labels): `name` is its series key
   * `family{label="value",…}`, `family` the bare metric name, `labels` the label set.
   */
  family: z.string().optional(),
  labels: seriesLabels.optional(),
});

// Subscriptions are bounded so a single frame cannot make the server do unbounded work.
export const MAX_IDS_PER_FRAME = 1000;
const metricIdList = z.array(metricId).max(MAX_IDS_PER_FRAME);

// ---- close codes -----------------------------------------------------------------------------

export const closeCodes = {
  unauthenticated: FrameworkCloseCode.unauthenticated,
  forbidden: FrameworkCloseCode.forbidden,
  notFound: FrameworkCloseCode.notFound,
  slowConsumer: FrameworkCloseCode.slowConsumer,
  rateLimited: FrameworkCloseCode.rateLimited,
} as const;
export type CloseCode = (typeof closeCodes)[keyof typeof closeCodes];
/** Close codes after which reconnecting cannot succeed (credentials/membership/dashboard). */
export const terminalCloseCodes: ReadonlySet<number> = new Set([
  closeCodes.unauthenticated,
  closeCodes.forbidden,
  closeCodes.notFound,
]);

// ---- client → server -------------------------------------------------------------------------

// Payload-less actions take `null` or no payload at all, as Chanx clients send both.
const noPayload = z.null().optional();

export const pingMessage = z.object({ action: z.literal("ping"), payload: noPayload });
export const subscribeMessage = z.object({ action: z.literal("subscribe"), payload: metricIdList });
export const unsubscribeMessage = z.object({ action: z.literal("unsubscribe"), payload: metricIdList });
/**
 * `subscribe_series {"selector": "cpu{host=~\"web-.*\"}"}`: every series the selector matches now
 * (their history follows, as for `subscribe`) and every matching series created later.
 * `unsubscribe_series` with the same selector stops both.
 */
export const subscribeSeriesMessage = z.object({
  action: z.literal("subscribe_series"),
  payload: z.strictObject({ selector: selectorText }),
});
export const unsubscribeSeriesMessage = z.object({
  action: z.literal("unsubscribe_series"),
  payload: z.strictObject({ selector: selectorText }),
});
export const resumeSince = z.union([
  isoTimestamp,
  // keys are metric ids as JSON object keys (strings of digits)
  z.record(z.string().regex(/^[1-9][0-9]{0,15}$/), isoTimestamp),
]);
/**
 * `resume {"epoch", "offset"}`: every point committed after that position, in offset order (exact).
 * `resume {"since"}`: points stamped after a moment (best effort: back-dated points and points
 * stamped exactly `since` can be missed). One of the two.
 */
export const resumePayload = z
  .object({ since: resumeSince.optional(), epoch: streamEpoch.optional(), offset: streamOffset.optional() })
  .superRefine((p, ctx) => {
    if (p.epoch !== undefined && p.offset !== undefined) return;
    if (p.epoch !== undefined || p.offset !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [p.epoch === undefined ? "epoch" : "offset"],
        message: "A position needs both epoch and offset",
      });
      return;
    }
    if (p.since === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["since"],
        message: "Give a position (epoch and offset) or since",
      });
  });
export const resumeMessage = z.object({ action: z.literal("resume"), payload: resumePayload });
export const pauseMessage = z.object({ action: z.literal("pause"), payload: noPayload });
export const resumeStreamMessage = z.object({ action: z.literal("resume_stream"), payload: noPayload });

export const clientMessage = z.discriminatedUnion("action", [
  pingMessage,
  subscribeMessage,
  unsubscribeMessage,
  subscribeSeriesMessage,
  unsubscribeSeriesMessage,
  resumeMessage,
  pauseMessage,
  resumeStreamMessage,
]);

// ---- server → client -------------------------------------------------------------------------

// authentication, error and complete are the framework's own messages: their payloads are
// declared once in @pulseboard/channels/protocol (Zod only, safe in the browser).
export const authenticationMessage = z.object({
  action: z.literal("authentication"),
  payload: AuthenticationPayload,
});
export const dashboardConfigMessage = z.object({
  action: z.literal("dashboard_config"),
  payload: z.object({
    id: z.number().int().positive(),
    name: z.string(),
    description: z.string(),
    metrics: z.array(metricInfo),
    /** The stream's epoch and head when the config was sent (optional extension). */
    epoch: streamEpoch.optional(),
    offset: streamOffset.optional(),
  }),
});
export const metricHistoryMessage = z.object({
  action: z.literal("metric_history"),
  payload: z.object({
    metric_id: metricId,
    metric_name: z.string(),
    unit: z.string(),
    /** newest last */
    values: z.array(point),
    /**
     * Optional extension: the history is complete up to this stream position; live points after
     * it follow as `metric_update`s (a client resumes from it if the socket drops meanwhile).
     */
    epoch: streamEpoch.optional(),
    offset: streamOffset.optional(),
  }),
});
export const metricUpdateMessage = z.object({
  action: z.literal("metric_update"),
  payload: z.object({
    metric_id: metricId,
    value: metricValue,
    timestamp: isoTimestamp,
    metric_name: z.string(),
    unit: z.string(),
    /**
     * When the server committed the point (optional extension): a client measures how late what it
     * shows is, from commit to render (the SDK's FreshnessMeter).
     */
    committed_at: isoTimestamp.optional(),
    /** The point's position in the dashboard's stream (optional extension), for exact resume. */
    offset: streamOffset.optional(),
  }),
});
export const pongMessage = z.object({ action: z.literal("pong"), payload: noPayload });
export const validationIssue = FrameworkValidationIssue;
export const errorMessage = z.object({ action: z.literal("error"), payload: ErrorPayload });
export const completeMessage = z.object({ action: z.literal("complete"), payload: CompletePayload });
/** The node is draining: move to another (the SDK hands over without a gap); optional extension. */
export const drainingMessage = z.object({ action: z.literal("draining"), payload: DrainingPayload });
export const presenceMessage = z.object({
  action: z.literal("presence"),
  payload: z.object({
    dashboard_id: z.number().int().positive(),
    connections: z.number().int().nonnegative(),
  }),
});
export const alertMessage = z.object({
  action: z.literal("alert"),
  payload: z.object({
    id: z.number().int().positive(),
    rule_id: z.number().int().positive(),
    metric_id: metricId,
    metric_name: z.string(),
    state: alertState,
    value: metricValue,
    threshold: z.number(),
    message: z.string(),
    timestamp: isoTimestamp,
    /** The rule's status after this event (optional: older servers leave it out). */
    status: alertStatus.optional(),
    reason: alertReason.optional(),
  }),
});
export const resumedMessage = z.object({
  action: z.literal("resumed"),
  payload: z.object({
    count: z.number().int().nonnegative(),
    /**
     * Optional extension. `recovered: false`: the gap could not be replayed (another epoch, past
     * retention, beyond the head or over the replay limit); refetch the visible range by REST.
     * `epoch`/`offset`: the position the client is complete up to; live points after it follow.
     */
    recovered: z
      .boolean()
      .describe("false: the gap could not be replayed; refetch the visible range by REST")
      .optional(),
    epoch: streamEpoch.optional(),
    offset: streamOffset.describe("The position the client is now complete up to").optional(),
    reason: z
      .enum(["epoch", "retention", "beyond_head", "limit"])
      .describe(
        "Why a gap was not replayed: another epoch, past retention, beyond the head, over the replay limit",
      )
      .optional(),
  }),
});
export const pausedMessage = z.object({
  action: z.literal("paused"),
  payload: z.object({ at: isoTimestamp }),
});

export const serverMessage = z.discriminatedUnion("action", [
  authenticationMessage,
  dashboardConfigMessage,
  metricHistoryMessage,
  metricUpdateMessage,
  pongMessage,
  errorMessage,
  completeMessage,
  drainingMessage,
  presenceMessage,
  alertMessage,
  resumedMessage,
  pausedMessage,
]);

// ---- inferred types --------------------------------------------------------------------------

export type ClientMessage = z.infer<typeof clientMessage>;
export type ServerMessage = z.infer<typeof serverMessage>;
export type ClientAction = ClientMessage["action"];
export type ServerAction = ServerMessage["action"];
/** Payload type of each client → server action, e.g. `ClientPayloads["subscribe"]` is `number[]`. */
export type ClientPayloads = { [M in ClientMessage as M["action"]]: M["payload"] };
/** Payload type of each server → client action, e.g. `ServerPayloads["metric_update"]`. */
export type ServerPayloads = { [M in ServerMessage as M["action"]]: M["payload"] };
export type Point = z.infer<typeof point>;
export type MetricInfo = z.infer<typeof metricInfo>;
export type MetricType = z.infer<typeof metricType>;
export type ValidationIssue = z.infer<typeof validationIssue>;
export type DashboardConfig = ServerPayloads["dashboard_config"];
export type MetricUpdate = ServerPayloads["metric_update"];
export type MetricHistory = ServerPayloads["metric_history"];
export type Alert = ServerPayloads["alert"];

/** Schema of each message by direction and action, for routers and the AsyncAPI generator. */
export const clientMessages = {
  ping: pingMessage,
  subscribe: subscribeMessage,
  unsubscribe: unsubscribeMessage,
  subscribe_series: subscribeSeriesMessage,
  unsubscribe_series: unsubscribeSeriesMessage,
  resume: resumeMessage,
  pause: pauseMessage,
  resume_stream: resumeStreamMessage,
} as const satisfies { [A in ClientAction]: z.ZodType };
export const serverMessages = {
  authentication: authenticationMessage,
  dashboard_config: dashboardConfigMessage,
  metric_history: metricHistoryMessage,
  metric_update: metricUpdateMessage,
  pong: pongMessage,
  error: errorMessage,
  complete: completeMessage,
  draining: drainingMessage,
  presence: presenceMessage,
  alert: alertMessage,
  resumed: resumedMessage,
  paused: pausedMessage,
} as const satisfies { [A in ServerAction]: z.ZodType };
