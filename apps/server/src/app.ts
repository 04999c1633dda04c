// Owns assembling the server: storage, Fastify with the REST API and the web UI, the
// channels server on the same HTTP server for `/ws/dashboard/:id/`, and orderly shutdown.
// Errors of every route become `{"error": {code, message, details?}}` here, in one handler.
import fastifyCookie from "@fastify/cookie";
import { type ChannelLayer, createChannelsServer, InMemoryLayer } from "@pulseboard/channels";
import Fastify, { type FastifyInstance } from "fastify";
import { alertsPlugin } from "./alerts/index.ts";
import { registerAuth } from "./api/auth.ts";
import { registerDashboards } from "./api/dashboards.ts";
import { registerExport } from "./api/export.ts";
import { registerIngest } from "./api/ingest.ts";
import { registerLayout } from "./api/layout.ts";
import { registerMe } from "./api/me.ts";
import { registerMembers } from "./api/members.ts";
import { registerMetrics } from "./api/metrics.ts";
import { registerTokens } from "./api/tokens.ts";
import { authenticate } from "./auth/credentials.ts";
import { deleteExpiredSessions, SESSION_COOKIE } from "./auth/sessions.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { openDatabase } from "./db/connect.ts";
import { migrations, type PbMigration } from "./db/migrations/index.ts";
import type { Db, DbKind } from "./db/schema.ts";
import { docsPlugin } from "./docs/index.ts";
import { fromFrameworkError } from "./errors.ts";
import { dashboardGroup, type GroupSender } from "./fanout.ts";
import { parseJsonBody } from "./json-body.ts";
import { registerWeb } from "./web.ts";
import { type DashboardChannels, dashboardConsumer, HISTORY_POINTS } from "./ws/dashboard-consumer.ts";
import { HandshakeCache } from "./ws/handshake-cache.ts";
import { inProcessPresence, type PresenceCounter } from "./ws/presence.ts";

export type BuildOptions = {
  /** Channel layer for many nodes (RedisLayer); default in-memory. */
  layer?: ChannelLayer;
  /** Cluster-wide presence counter; default in-process. */
  presence?: PresenceCounter;
  /** Extra migrations appended to the built-in ones. */
  migrations?: PbMigration[];
  /** Routes of other modules (e.g. cluster health), registered with the same context. */
  plugins?: Array<(app: FastifyInstance, ctx: AppContext) => void | Promise<void>>;
};

export type PulseboardApp = {
  app: FastifyInstance;
  channels: DashboardChannels;
  db: Db;
  kind: DbKind;
  ctx: AppContext;
  close(): Promise<void>;
};

function allowedOrigin(config: Config) {
  const extra = new Set(config.allowedOrigins);
  // Browsers send Origin on WebSocket handshakes: only our own host (or configured ones) may
  // use a visitor's session cookie.
  return (origin: string, req: { headers: Record<string, string | string[] | undefined> }) => {
    if (extra.has(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<PulseboardApp> {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
  });
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    migrations: [...migrations, ...(options.migrations ?? [])],
    onPoolError: (err) =>
      app.log.warn({ err: err.message }, "database connection lost; reconnecting on next query"),
  });

  // The channels server needs the context (for storage) and the context needs a sender:
  // the sender forwards to the server once it exists.
  let server: DashboardChannels | undefined;
  const sender: GroupSender = {
    groupSend: (group, action, payload) =>
      // biome-ignore lint/suspicious/noExplicitAny: events are validated by the consumer's schemas
      server!.groupSend(group, action as any, payload as any),
  };
  const ctx: AppContext = {
    config,
    db: handle.db,
    kind: handle.kind,
    channels: sender,
    pointObservers: [],
    log: app.log,
  };
  const presence = options.presence ?? inProcessPresence();
  const layer = options.layer ?? new InMemoryLayer();
  const cache = new HandshakeCache(handle.db, layer, {
    ttlMs: config.handshakeCacheTtlMs,
    maxCredentials: 100_000,
    maxDashboards: 10_000,
    historyPoints: HISTORY_POINTS,
    onError: (err, context) => app.log.warn({ err, context }, "handshake cache"),
  });
  let closing = false;
  const consumer = dashboardConsumer(
    ctx,
    presence,
    async (dashboardId, connections) => {
      // Paced presence broadcasts fire on a timer: none after shutdown began (the layer is closing).
      if (closing) return;
      await sender.groupSend(dashboardGroup(dashboardId), "presence", {
        dashboard_id: dashboardId,
        connections,
      });
    },
    cache,
  );
  const channels: DashboardChannels = createChannelsServer({
    consumers: [consumer],
    layer,
    maxConcurrentHandshakes: config.maxConcurrentHandshakes,
    allowedOrigins: allowedOrigin(config),
    maxBufferedBytes: config.maxBufferedBytes,
    slowConsumerGraceMs: config.slowConsumerGraceMs,
    logger: app.log,
  });
  server = channels;
  channels.attach(app.server);

  await app.register(fastifyCookie);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.decorateRequest("principal", null);
  app.addHook("preHandler", async (request) => {
    if (!request.url.startsWith("/api/")) return;
    const auth = request.headers.authorization;
    request.principal =
      (await authenticate(handle.db, { cookie: request.cookies[SESSION_COOKIE], authorization: auth })) ??
      null;
  });
  app.setErrorHandler((error, request, reply) => {
    const e = fromFrameworkError(error);
    if (e.status >= 500) request.log.error({ err: error }, "request failed");
    return reply.status(e.status).send({ error: e.toJSON() });
  });
  for (const register of [
    registerAuth,
    registerMe,
    registerTokens,
    registerDashboards,
    registerMembers,
    registerMetrics,
    registerLayout,
    registerExport,
    registerIngest,
  ])
    register(app, ctx);
  // Alerting and the developer pages (/asyncapi.json, /docs, /playground) are part of every app.
  for (const plugin of [alertsPlugin, docsPlugin, ...(options.plugins ?? [])]) await plugin(app, ctx);
  await registerWeb(app, config.webDist);

  const sweeper = setInterval(() => {
    deleteExpiredSessions(handle.db).catch((err) => app.log.warn({ err }, "session sweep failed"));
  }, 3600_000);
  sweeper.unref();

  let closed: Promise<void> | undefined;
  return {
    app,
    channels,
    db: handle.db,
    kind: handle.kind,
    ctx,
    close: () => {
      closed ??= (async () => {
        closing = true;
        clearInterval(sweeper);
        await cache.close();
        await channels.close();
        await app.close();
        await handle.close();
      })();
      return closed;
    },
  };
}
