// Owns the email contact point: one message per delivery over the administrator's SMTP server
// (PULSEBOARD_SMTP_URL), sent with nodemailer, the maintained SMTP client for Node (TLS, auth,
// timeouts). The SMTP server is the administrator's, not the user's, so no address guard here.
// Connections are pooled per (server, timeout): a burst of alerts does not pay a TCP + EHLO
// (+ STARTTLS) handshake per message.
import nodemailer, { type Transporter } from "nodemailer";
import type { Attempt } from "./http.ts";
import { type Envelope, subject, text } from "./message.ts";

export type Mailer = { url: string; from: string };

export async function sendEmail(
  mailer: Mailer | undefined,
  to: string[],
  timeoutMs: number,
  env: Envelope,
): Promise<Attempt> {
  if (!mailer)
    return { ok: false, statusCode: null, error: "no SMTP server configured (PULSEBOARD_SMTP_URL)" };
  const transport = transportFor(mailer.url, timeoutMs);
  try {
    const info = await transport.sendMail({
      from: mailer.from,
      to,
      subject: subject(env),
      text: text(env),
      headers: { "X-Pulseboard-Delivery": env.alerts.map((a) => a.notification_id).join(",") || "test" },
    });
    const rejected = info.rejected ?? [];
    return {
      ok: rejected.length === 0,
      statusCode: 250,
      error: rejected.length ? `rejected: ${rejected.join(", ")}` : null,
    };
  } catch (error) {
    const e = error as { responseCode?: number; message: string };
    return { ok: false, statusCode: e.responseCode ?? null, error: e.message };
  }
}

const pools = new Map<string, Transporter>();

function transportFor(smtpUrl: string, timeoutMs: number): Transporter {
  const key = `${smtpUrl}|${timeoutMs}`;
  const known = pools.get(key);
  if (known) return known;
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    // a local test server speaks plain SMTP; ?tls=off skips STARTTLS
    ignoreTLS: url.searchParams.get("tls") === "off",
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  pools.set(key, transport);
  return transport;
}

/** Closes the pooled SMTP connections of this server (shutdown). */
export function closeMailer(smtpUrl: string): void {
  for (const [key, transport] of pools) {
    if (!key.startsWith(`${smtpUrl}|`)) continue;
    transport.close();
    pools.delete(key);
  }
}
