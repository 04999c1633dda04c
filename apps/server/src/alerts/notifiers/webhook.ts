// Owns the webhook contact point: the documented JSON body, signed with HMAC-SHA256 when the
// contact point has a secret. The signature covers "<timestamp>.<body>" so a captured request
// cannot be replayed later with a fresh timestamp (receivers check both).
import { createHmac } from "node:crypto";
import type { AddressPolicy } from "./guard.ts";
import { type Attempt, postJson } from "./http.ts";
import { type Envelope, webhookBody } from "./message.ts";

export type WebhookSettings = { url: string; timeout_ms: number };

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export async function sendWebhook(
  policy: AddressPolicy,
  settings: WebhookSettings,
  secret: string | undefined,
  env: Envelope,
): Promise<Attempt> {
  const now = new Date();
  const body = JSON.stringify(webhookBody(env, now));
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Pulseboard-Alerts/1",
    "x-pulseboard-timestamp": timestamp,
    // stable across retries: receivers drop a delivery they have seen (at-least-once + dedupe)
    "x-pulseboard-delivery": env.alerts.map((a) => a.notification_id).join(",") || "test",
  };
  if (secret) headers["x-pulseboard-signature"] = signature(secret, timestamp, body);
  return postJson(policy, settings.url, body, headers, settings.timeout_ms);
}
