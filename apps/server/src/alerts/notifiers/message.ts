// Owns what a notification says, independent of how it travels: the alert items stored in the
// outbox, the envelope a delivery carries (one or several items for one contact point), and the
// human text shared by Slack and email. The webhook body is documented in docs/API.md.
import type { AlertReason, AlertState, AlertStatus } from "../schema.ts";

/** One alert as stored in an outbox row (the row id becomes its notification_id). */
export type NotificationItem = {
  /** a repeat of a still-firing alert (repeat_interval_s), or the transition itself */
  repeat: boolean;
  event_id: number;
  rule_id: number;
  metric_id: number;
  metric_name: string;
  state: AlertState;
  status: AlertStatus;
  reason: AlertReason;
  value: number;
  threshold: number;
  condition: "above" | "below";
  message: string;
  timestamp: string;
};

export type Envelope = {
  test: boolean;
  dashboard: { id: number; name: string };
  contact_point: { id: number; name: string };
  alerts: (NotificationItem & { notification_id: number })[];
};

/** The webhook body (docs/API.md "Webhook body"), version 1. */
export function webhookBody(env: Envelope, sentAt: Date) {
  return {
    version: 1,
    test: env.test,
    status: env.alerts.some((a) => a.state === "firing") ? "firing" : "resolved",
    dashboard: env.dashboard,
    contact_point: env.contact_point,
    alerts: env.alerts,
    sent_at: sentAt.toISOString(),
  };
}

function line(a: NotificationItem): string {
  const tag = a.state === "firing" ? (a.status === "no_data" ? "NO DATA" : "FIRING") : "RESOLVED";
  return `[${tag}${a.repeat ? ", still" : ""}] ${a.message}`;
}

export function subject(env: Envelope): string {
  if (env.test) return `[Pulseboard] test notification for ${env.contact_point.name}`;
  const firing = env.alerts.filter((a) => a.state === "firing").length;
  const first = env.alerts[0];
  if (env.alerts.length === 1 && first) return `[Pulseboard] ${env.dashboard.name}: ${line(first)}`;
  return `[Pulseboard] ${env.dashboard.name}: ${firing} firing, ${env.alerts.length - firing} resolved`;
}

export function text(env: Envelope): string {
  if (env.test)
    return `This is a test notification from Pulseboard for contact point "${env.contact_point.name}" of dashboard "${env.dashboard.name}".`;
  return [
    `Dashboard "${env.dashboard.name}":`,
    ...env.alerts.map((a) => `${line(a)} at ${a.timestamp}`),
  ].join("\n");
}
