// Owns the server's AsyncAPI document: the framework's generator applied to the consumers this
// server runs, with the names and descriptions a reader of /docs needs. Built once per
// advertised host (the document names the host the reader connected to).
import { type ConsumerSpec, generateAsyncApi, InMemoryLayer, specOf } from "@pulseboard/channels";
import type { AppContext } from "../context.ts";
import { dashboardConsumer } from "../ws/dashboard-consumer.ts";
import { HandshakeCache } from "../ws/handshake-cache.ts";
import { inProcessPresence } from "../ws/presence.ts";

const VERSION = "0.1.0";

const DASHBOARD_DESCRIPTION = [
  "Live stream of one dashboard. Connect with the session cookie (browsers), `Authorization: Bearer <token>`",
  "or `?token=` (programs). The server answers `authentication` (200, or 401/403/404 followed by close",
  "4001/4003/4004), then `dashboard_config` and one `metric_history` per metric, then live `metric_update`",
  "frames for subscribed metrics. Extensions: `presence`, `alert`, `resume`/`resumed`, `pause`/`paused`/",
  "`resume_stream`. A client over its message rate is closed with 4029; a slow consumer with 4008.",
  "Exact delivery: every `metric_update` carries its `offset` in the dashboard's stream (commit order), and",
  "`dashboard_config`/`metric_history` the stream's `epoch` and `offset`; `resume {epoch, offset}` replays every",
  "point committed after it in offset order, then `resumed {count, recovered, epoch, offset}` (`recovered: false`",
  "with a `reason` when it cannot: refetch by REST). `resume {since}` (timestamps) is best effort.",
  "Access taken away closes open connections at once, with a reason: 4003 (member removed), 4004",
  "(dashboard deleted), 4001 (token revoked, signed out or session expired).",
  "A node that restarts (a deploy, SIGTERM) closes with 1012 (Service Restart): reconnect at once, the",
  "proxy sends the new connection to another node; 1001 means the server is shutting down.",
].join(" ");

/** The consumers described by the document (schemas only; these instances never serve traffic). */
function consumers(ctx: AppContext): ConsumerSpec[] {
  const noCache = new HandshakeCache(ctx.db, ctx.storage, new InMemoryLayer(), {
    ttlMs: 0,
    maxCredentials: 0,
    maxDashboards: 0,
    historyPoints: 0,
    onError: () => {},
  });
  const dashboard = dashboardConsumer(ctx, inProcessPresence(), async () => {}, noCache);
  return [
    {
      ...specOf(dashboard),
      name: "dashboard",
      description: DASHBOARD_DESCRIPTION,
      params: { id: "Dashboard id (positive integer); the caller must be a member." },
    },
  ];
}

export function asyncApiBuilder(ctx: AppContext) {
  const specs = consumers(ctx);
  const cache = new Map<string, string>();
  /** The document as JSON text for this host/protocol (cached; a handful of hosts at most). */
  return (host: string, protocol: "ws" | "wss"): string => {
    const key = `${protocol}://${host}`;
    let text = cache.get(key);
    if (text === undefined) {
      text = JSON.stringify(
        generateAsyncApi({
          title: "Pulseboard WebSocket API",
          version: VERSION,
          description:
            'Every frame is JSON `{"action": "<name>", "payload": <any>}`. Generated from the server\'s Zod schemas; ' +
            "try it in the playground at /playground.",
          host,
          protocol,
          consumers: specs,
        }),
      );
      if (cache.size > 16) cache.clear();
      cache.set(key, text);
    }
    return text;
  };
}
