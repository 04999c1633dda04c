// Owns the contract of the dashboard endpoint `/ws/dashboard/:id/`: the messages each side may send
// (the wire schemas of @pulseboard/protocol, DESIGN.md + docs/API.md) and the server-side events of
// a dashboard's groups, including the two that only servers see. The consumer (dashboard-consumer.ts)
// implements it; the AsyncAPI document and every REST-side publish (`ctx.channels.groupSend`) read it
// alone. A leaf module: schemas only, no storage.
import { defineContract, message } from "@pulseboard/channels";
import { clientMessages, serverMessages } from "@pulseboard/protocol";
import { z } from "zod";

export const accessRevoked = message(
  z.object({
    /** The user whose connections close; null: every connection to the dashboard. */
    user_id: z.number().int().nullable(),
    code: z.union([z.literal(4001), z.literal(4003), z.literal(4004)]),
    reason: z.string(),
  }),
  { internal: true, description: "Closes the connections that lost access (never sent to clients)." },
);
export type AccessRevoked = z.infer<typeof accessRevoked>;

/** A credential was revoked: every node's handshake cache forgets it (no connection receives it). */
export const credentialRevoked = message(z.object({ group: z.string() }), {
  internal: true,
  description: "Makes every node forget a revoked credential it has cached (never sent to clients).",
});

const DESCRIPTION = [
  "Live stream of one dashboard. Connect with the session cookie (browsers), `Authorization: Bearer <token>`",
  "or `?token=` (programs). The server answers `authentication` (200, or 401/403/404 followed by close",
  "4001/4003/4004), then `dashboard_config` and one `metric_history` per metric, then live `metric_update`",
  "frames for subscribed metrics. Extensions: `presence`, `alert`, `resume`/`resumed`, `pause`/`paused`/",
  "`resume_stream`, `subscribe_series {selector}` (labeled series by a PromQL-style selector, now and later).",
  "A client over its message rate is closed with 4029; a slow consumer with 4008.",
  "Exact delivery: every `metric_update` carries its `offset` in the dashboard's stream (commit order), and",
  "`dashboard_config`/`metric_history` the stream's `epoch` and `offset`; `resume {epoch, offset}` replays every",
  "point committed after it in offset order, then `resumed {count, recovered, epoch, offset}` (`recovered: false`",
  "with a `reason` when it cannot: refetch by REST). `resume {since}` (timestamps) is best effort.",
  "Access taken away closes open connections at once, with a reason: 4003 (member removed), 4004",
  "(dashboard deleted), 4001 (token revoked, signed out or session expired).",
  "A node that restarts (a deploy, SIGTERM) closes with 1012 (Service Restart): reconnect at once, the",
  "proxy sends the new connection to another node; 1001 means the server is shutting down.",
].join(" ");

export const dashboardContract = defineContract({
  path: "/ws/dashboard/:id/",
  name: "dashboard",
  description: DESCRIPTION,
  params: { id: "Dashboard id (positive integer); the caller must be a member." },
  authenticated: true,
  incoming: {
    ping: clientMessages.ping.shape.payload,
    subscribe: clientMessages.subscribe.shape.payload,
    unsubscribe: clientMessages.unsubscribe.shape.payload,
    subscribe_series: clientMessages.subscribe_series.shape.payload,
    unsubscribe_series: clientMessages.unsubscribe_series.shape.payload,
    resume: clientMessages.resume.shape.payload,
    pause: clientMessages.pause.shape.payload,
    resume_stream: clientMessages.resume_stream.shape.payload,
  },
  outgoing: {
    dashboard_config: serverMessages.dashboard_config.shape.payload,
    metric_history: serverMessages.metric_history.shape.payload,
    metric_update: serverMessages.metric_update.shape.payload,
    pong: serverMessages.pong.shape.payload,
    presence: serverMessages.presence.shape.payload,
    alert: serverMessages.alert.shape.payload,
    resumed: serverMessages.resumed.shape.payload,
    paused: serverMessages.paused.shape.payload,
  },
  // Delivered through the dashboard group; `presence` and `alert` have no handler and are
  // forwarded to every member as they are. `credential_revoked` goes to a group no connection
  // joins (handshake-cache.ts reads it from the layer).
  events: {
    dashboard_config: serverMessages.dashboard_config.shape.payload,
    metric_update: serverMessages.metric_update.shape.payload,
    presence: serverMessages.presence.shape.payload,
    alert: serverMessages.alert.shape.payload,
    access_revoked: accessRevoked,
    credential_revoked: credentialRevoked,
  },
});
