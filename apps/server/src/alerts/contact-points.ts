// Owns contact points as a model: turning REST bodies into stored settings + secrets (secrets are
// kept apart and never shown back), the public form, the defaults, and sending one envelope to
// one contact point by its type.
import {
  type ContactPoint,
  type CreateContactPointBody,
  emailSettingsBody,
  type PatchContactPointBody,
  slackSettingsBody,
  webhookSettingsBody,
} from "@pulseboard/protocol/rest";
import type { z } from "zod";
import { ValidationError } from "../http/errors.ts";
import { type Mailer, sendEmail } from "./notifiers/email.ts";
import { type AddressPolicy, BlockedAddressError, checkLiteralHost } from "./notifiers/guard.ts";
import type { Attempt } from "./notifiers/http.ts";
import type { Envelope } from "./notifiers/message.ts";
import { sendSlack } from "./notifiers/slack.ts";
import { sendWebhook } from "./notifiers/webhook.ts";
import type { ContactPointRow, ContactPointValues } from "./notify-store.ts";

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_ATTEMPTS = 5;

type Settings = { url?: string; to?: string[]; timeout_ms: number; max_attempts: number };
type Secrets = { secret?: string; url?: string };

export type NotifyDeps = { policy: AddressPolicy; mailer: Mailer | undefined };

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function settingsOf(row: ContactPointRow): Settings {
  return parseJson<Settings>(row.settings, {
    timeout_ms: DEFAULT_TIMEOUT_MS,
    max_attempts: DEFAULT_MAX_ATTEMPTS,
  });
}
function secretsOf(row: ContactPointRow): Secrets {
  return parseJson<Secrets>(row.secrets, {});
}
export function ruleIdsOf(row: ContactPointRow): number[] | null {
  return parseJson<number[] | null>(row.rule_ids, null);
}

function urlError(field: string, msg: string) {
  return new ValidationError([{ type: "url", loc: ["body", "settings", field], msg }]);
}

/** Split validated settings into shown settings and secrets; checks literal addresses early. */
function split(
  type: ContactPoint["type"],
  input: Record<string, unknown>,
  deps: NotifyDeps,
): { settings: Settings; secrets: Secrets } {
  const common = {
    timeout_ms: (input.timeout_ms as number | undefined) ?? DEFAULT_TIMEOUT_MS,
    max_attempts: (input.max_attempts as number | undefined) ?? DEFAULT_MAX_ATTEMPTS,
  };
  const checkUrl = (url: string) => {
    try {
      checkLiteralHost(deps.policy, new URL(url));
    } catch (error) {
      if (error instanceof BlockedAddressError) throw urlError("url", error.message);
      throw error;
    }
  };
  if (type === "webhook") {
    checkUrl(input.url as string);
    const secret = input.secret as string | undefined;
    return { settings: { ...common, url: input.url as string }, secrets: secret ? { secret } : {} };
  }
  if (type === "slack") {
    checkUrl(input.url as string);
    return { settings: common, secrets: { url: input.url as string } };
  }
  if (!deps.mailer) {
    throw new ValidationError([
      { type: "unavailable", loc: ["body", "type"], msg: "email needs an SMTP server (PULSEBOARD_SMTP_URL)" },
    ]);
  }
  return { settings: { ...common, to: input.to as string[] }, secrets: {} };
}

export function valuesFromCreate(body: CreateContactPointBody, deps: NotifyDeps): ContactPointValues {
  const { settings, secrets } = split(body.type, body.settings as Record<string, unknown>, deps);
  return {
    name: body.name,
    type: body.type,
    settings: JSON.stringify(settings),
    secrets: JSON.stringify(secrets),
    rule_ids: body.rule_ids ? JSON.stringify(body.rule_ids) : null,
    send_resolved: body.send_resolved === false ? 0 : 1,
    repeat_interval_s: body.repeat_interval_s ?? 0,
    group_wait_ms: body.group_wait_ms ?? 0,
    enabled: body.enabled === false ? 0 : 1,
  };
}

const settingsSchema: Record<ContactPoint["type"], z.ZodType> = {
  webhook: webhookSettingsBody,
  slack: slackSettingsBody.required({ url: true }),
  email: emailSettingsBody,
};

/** A patch merged over the stored row; secrets left out of `settings` are kept. */
export function valuesFromPatch(
  row: ContactPointRow,
  body: PatchContactPointBody,
  deps: NotifyDeps,
): Partial<ContactPointValues> {
  const out: Partial<ContactPointValues> = {};
  if (body.settings) {
    const stored = secretsOf(row);
    const merged: Record<string, unknown> = { ...settingsOf(row), ...stored, ...body.settings };
    if (row.type === "webhook" && merged.secret === "") delete merged.secret;
    const parsed = settingsSchema[row.type].safeParse(merged);
    if (!parsed.success) throw ValidationError.fromZod(parsed.error, ["body", "settings"]);
    const { settings, secrets } = split(row.type, parsed.data as Record<string, unknown>, deps);
    out.settings = JSON.stringify(settings);
    out.secrets = JSON.stringify(secrets);
  }
  if (body.name !== undefined) out.name = body.name;
  if (body.rule_ids !== undefined) out.rule_ids = body.rule_ids ? JSON.stringify(body.rule_ids) : null;
  if (body.send_resolved !== undefined) out.send_resolved = body.send_resolved ? 1 : 0;
  if (body.repeat_interval_s !== undefined) out.repeat_interval_s = body.repeat_interval_s;
  if (body.group_wait_ms !== undefined) out.group_wait_ms = body.group_wait_ms;
  if (body.enabled !== undefined) out.enabled = body.enabled ? 1 : 0;
  return out;
}

export function publicContactPoint(row: ContactPointRow): ContactPoint {
  const s = settingsOf(row);
  const secrets = secretsOf(row);
  const settings: Record<string, unknown> = { timeout_ms: s.timeout_ms, max_attempts: s.max_attempts };
  if (row.type === "webhook") Object.assign(settings, { url: s.url, has_secret: Boolean(secrets.secret) });
  if (row.type === "slack") settings.url = secrets.url ? `${new URL(secrets.url).origin}/…` : null;
  if (row.type === "email") settings.to = s.to;
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    settings,
    rule_ids: ruleIdsOf(row),
    send_resolved: Number(row.send_resolved) === 1,
    repeat_interval_s: Number(row.repeat_interval_s),
    group_wait_ms: Number(row.group_wait_ms),
    enabled: Number(row.enabled) === 1,
    created_at: new Date(Number(row.created_at)).toISOString(),
  };
}

/** One attempt to deliver `env` to the contact point. Never throws. */
export async function deliverTo(row: ContactPointRow, env: Envelope, deps: NotifyDeps): Promise<Attempt> {
  const s = settingsOf(row);
  const secrets = secretsOf(row);
  try {
    if (row.type === "webhook")
      return await sendWebhook(
        deps.policy,
        { url: s.url ?? "", timeout_ms: s.timeout_ms },
        secrets.secret,
        env,
      );
    if (row.type === "slack") return await sendSlack(deps.policy, secrets.url ?? "", s.timeout_ms, env);
    return await sendEmail(deps.mailer, s.to ?? [], s.timeout_ms, env);
  } catch (error) {
    return { ok: false, statusCode: null, error: (error as Error).message };
  }
}
