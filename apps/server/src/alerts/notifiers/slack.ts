// Owns the Slack-compatible contact point: an incoming-webhook body (`text`, plus `blocks` with
// one section per alert), which Slack, Mattermost and Rocket.Chat all accept.
import type { AddressPolicy } from "./guard.ts";
import { type Attempt, postJson } from "./http.ts";
import { type Envelope, subject, text } from "./message.ts";

export function slackBody(env: Envelope) {
  return {
    text: `${subject(env)}\n${text(env)}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: subject(env).slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: text(env).slice(0, 3000) } },
    ],
  };
}

export async function sendSlack(
  policy: AddressPolicy,
  url: string,
  timeoutMs: number,
  env: Envelope,
): Promise<Attempt> {
  return postJson(
    policy,
    url,
    JSON.stringify(slackBody(env)),
    { "content-type": "application/json", "user-agent": "Pulseboard-Alerts/1" },
    timeoutMs,
  );
}
