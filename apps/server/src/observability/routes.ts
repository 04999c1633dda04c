// Owns `GET /metrics`: Pulseboard's own telemetry in the Prometheus text format, for a scraper
// that shows the configured bearer token (PULSEBOARD_METRICS_TOKEN) or connects from an allowed
// address (PULSEBOARD_METRICS_ALLOW: exact addresses or IPv4 CIDR ranges; loopback by default).
// Also times every HTTP request by route pattern, the query routes into the query histogram.
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { FastifyInstance } from "fastify";
import { safeEqual } from "../auth/secrets.ts";
import type { AppContext } from "../context.ts";
import { ForbiddenError, UnauthorizedError } from "../http/errors.ts";

function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const type = isIPv6(address) ? "ipv6" : "ipv4";
    if (!isIPv4(address) && !isIPv6(address))
      throw new Error(`PULSEBOARD_METRICS_ALLOW: "${entry}" is not an IP address or CIDR range`);
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

function allowed(list: BlockList, ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (isIPv4(v4)) return list.check(v4, "ipv4");
  return isIPv6(ip) && list.check(ip, "ipv6");
}

// Routes whose time is mostly a read of stored points.
const QUERY_ROUTES = /\/(values|history|export|downsample|range)\b/;

export function registerObservability(app: FastifyInstance, ctx: AppContext) {
  const list = allowList(ctx.config.metricsAllow);
  const token = ctx.config.metricsToken;

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined) return; // 404s: no route pattern, not worth a series each
    const seconds = reply.elapsedTime / 1000;
    ctx.telemetry.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      seconds,
    );
    if (request.method === "GET" && QUERY_ROUTES.test(route))
      ctx.telemetry.queryDuration.observe({ query: route }, seconds);
  });

  app.get("/metrics", async (request, reply) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const byToken = token !== undefined && bearer !== undefined && safeEqual(bearer, token);
    if (!byToken && !allowed(list, request.ip)) {
      if (token !== undefined && bearer === undefined)
        throw new UnauthorizedError("GET /metrics needs Authorization: Bearer <PULSEBOARD_METRICS_TOKEN>");
      throw new ForbiddenError(
        token !== undefined
          ? "Wrong metrics token"
          : `${request.ip} may not read /metrics (PULSEBOARD_METRICS_ALLOW, PULSEBOARD_METRICS_TOKEN)`,
      );
    }
    const text = await ctx.telemetry.metrics();
    return reply.type(ctx.telemetry.registry.contentType).header("cache-control", "no-store").send(text);
  });
}
