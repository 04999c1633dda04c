// The REST contract of alert notifications (docs/API.md "Alert notifications"): rule states,
// contact points (webhook, email, Slack-compatible), silences and the delivery log. Re-exported by
// rest.ts; kept apart so the core contract file stays short. Depends on nothing but Zod.
import { z } from "zod";
import { alertStatus, isoTimestamp, metricId, metricValue } from "./messages.ts";

const id = z.number().int().positive();

// ---- rule states ------------------------------------------------------------------------------

/** `GET /dashboards/:id/alert-states`: one row per rule, problems (firing, no_data) first. */
export const alertRuleState = z.object({
  rule_id: id,
  metric_id: metricId,
  status: alertStatus,
  /** when the rule entered this status (null: never evaluated) */
  since: isoTimestamp.nullable(),
  /** the newest value evaluated */
  value: metricValue.nullable(),
  condition: z.enum(["above", "below"]),
  threshold: z.number(),
  enabled: z.boolean(),
  /** the open firing / no_data event (acknowledge it with POST /alerts/:id/ack) */
  event_id: id.nullable(),
  acknowledged_at: isoTimestamp.nullable(),
  acknowledged_by: id.nullable(),
  /** the end of the longest silence muting this rule now */
  silenced_until: isoTimestamp.nullable(),
});

// ---- contact points ---------------------------------------------------------------------------

export const contactPointType = z.enum(["webhook", "email", "slack"]);
const httpUrl = z.url({ protocol: /^https?$/ }).max(2000);
const timeoutMs = z.number().int().min(100).max(30_000);
const maxAttempts = z.number().int().min(1).max(20);

/** Settings as written: secrets (the HMAC key, the Slack URL) are accepted here and never returned. */
export const webhookSettingsBody = z.strictObject({
  url: httpUrl,
  /** HMAC-SHA256 key for X-Pulseboard-Signature; omitted on PATCH keeps the stored one, "" removes it */
  secret: z.string().max(500).optional(),
  timeout_ms: timeoutMs.optional(),
  max_attempts: maxAttempts.optional(),
});
export const slackSettingsBody = z.strictObject({
  /** the incoming-webhook URL (a secret: shown back as its origin only); omitted on PATCH keeps it */
  url: httpUrl.optional(),
  timeout_ms: timeoutMs.optional(),
  max_attempts: maxAttempts.optional(),
});
export const emailSettingsBody = z.strictObject({
  to: z.array(z.email().max(320)).min(1).max(20),
  timeout_ms: timeoutMs.optional(),
  max_attempts: maxAttempts.optional(),
});

const policyFields = {
  name: z.string().trim().min(1).max(100),
  /** rules that notify this contact point; null (default) means every rule of the dashboard */
  rule_ids: z.array(id).max(1000).nullable(),
  /** also notify when an alert resolves (default true) */
  send_resolved: z.boolean(),
  /** repeat a still-firing alert every this many seconds; 0 (default) never repeats */
  repeat_interval_s: z.number().int().min(0).max(604_800),
  /** transitions within this many ms of the first are sent as one message (default 0: those
   * of one evaluation batch) */
  group_wait_ms: z.number().int().min(0).max(600_000),
  enabled: z.boolean(),
};

export const createContactPointBody = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("webhook"),
    settings: webhookSettingsBody,
    ...z.object(policyFields).partial().required({ name: true }).shape,
  }),
  z.strictObject({
    type: z.literal("slack"),
    settings: slackSettingsBody.required({ url: true }),
    ...z.object(policyFields).partial().required({ name: true }).shape,
  }),
  z.strictObject({
    type: z.literal("email"),
    settings: emailSettingsBody,
    ...z.object(policyFields).partial().required({ name: true }).shape,
  }),
]);
/** `PATCH /contact-points/:id`: any subset; `settings` is merged into the stored settings. */
export const patchContactPointBody = z
  .strictObject({
    settings: z.record(z.string(), z.unknown()).optional(),
    ...z.object(policyFields).partial().shape,
  })
  .refine((body) => Object.keys(body).length > 0, "at least one field is required");

export const contactPoint = z.object({
  id,
  type: contactPointType,
  /** webhook: url, timeout_ms, max_attempts, has_secret; slack: url (origin only), timeout_ms,
   * max_attempts; email: to, timeout_ms, max_attempts */
  settings: z.record(z.string(), z.unknown()),
  ...policyFields,
  created_at: isoTimestamp,
});

export const delivery = z.object({
  id,
  /** the outbox notifications this attempt carried (empty for a test) */
  notification_ids: z.array(id),
  attempt: z.number().int().positive(),
  ok: z.boolean(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int().nonnegative(),
  test: z.boolean(),
  at: isoTimestamp,
});
export const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
/** `POST /contact-points/:id/test`: the outcome of one attempt, also written to the delivery log. */
export const testAnswer = delivery.pick({ ok: true, status_code: true, error: true, duration_ms: true });

// ---- silences ---------------------------------------------------------------------------------

export const createSilenceBody = z.strictObject({
  /** mute one rule; omitted mutes every rule of the dashboard */
  rule_id: id.optional(),
  ends_at: isoTimestamp,
  comment: z.string().max(500).optional(),
});
export const silence = z.object({
  id,
  rule_id: id.nullable(),
  ends_at: isoTimestamp,
  comment: z.string(),
  created_by: id.nullable(),
  created_at: isoTimestamp,
});

export type AlertRuleState = z.infer<typeof alertRuleState>;
export type ContactPointType = z.infer<typeof contactPointType>;
export type CreateContactPointBody = z.infer<typeof createContactPointBody>;
export type PatchContactPointBody = z.infer<typeof patchContactPointBody>;
export type ContactPoint = z.infer<typeof contactPoint>;
export type Delivery = z.infer<typeof delivery>;
export type TestAnswer = z.infer<typeof testAnswer>;
export type CreateSilenceBody = z.infer<typeof createSilenceBody>;
export type Silence = z.infer<typeof silence>;
