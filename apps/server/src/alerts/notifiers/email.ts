// Owns the email contact point: one message per delivery over the administrator's SMTP server
// (PULSEBOARD_SMTP_URL), sent with nodemailer, the maintained SMTP client for Node (TLS, auth,
// timeouts). The SMTP server is the administrator's, not the user's, so no address guard here.
import nodemailer from "nodemailer";
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
  // One transport per delivery: deliveries are rare, and a pooled connection would outlive settings changes.
  const url = new URL(mailer.url);
  const secure = url.protocol === "smtps:";
  const transport = nodemailer.createTransport({
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
  try {
    const info = await transport.sendMail({
      from: mailer.from,
      to,
      subject: subject(env),
      text: text(env),
      headers: { "X-Pulseboard-Delivery": env.alerts.map((a) => a.notification_id).join(",") || "test" },
    });
    return {
      ok: info.rejected.length === 0,
      statusCode: 250,
      error: info.rejected.length ? `rejected: ${info.rejected.join(", ")}` : null,
    };
  } catch (error) {
    const e = error as { responseCode?: number; message: string };
    return { ok: false, statusCode: e.responseCode ?? null, error: e.message };
  } finally {
    transport.close();
  }
}
