// Owns assembling the server: storage, Fastify with the REST API and the web UI, the
// channels server on the same HTTP server for `/ws/dashboard/:id/`, and orderly shutdown.
// Errors of every route become `{"error": {code, message, details?}}` here, in one handler.
import fastifyCookie from "@fastify/cookie";
import {
  type ChannelLayer,
  type ContractSender,
  createChannelsServer,
  InMemoryLayer,
  OrderedLayer,
} from "@pulseboard/channels";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Redis } from "ioredis";
import { registerAdmin } from "./admin/routes.ts";
import { alertServiceOf, alertsPlugin } from "./alerts/index.ts";
import { auditPlugin } from "./audit/index.ts";
import { registerAccount } from "./auth/account-routes.ts";
import { authenticate } from "./auth/credentials.ts";
import { registerMe } from "./auth/me-routes.ts";
import { registerAuth } from "./auth/routes.ts";
import { deleteExpiredSessions, SESSION_COOKIE } from "./auth/sessions.ts";
import { registerTokens } from "./auth/token-routes.ts";
import type { Config } from "./config/config.ts";
import type { AppContext } from "./context.ts";
import { registerDefinitions } from "./dashboards/definition.ts";
import { registerFreshness } from "./dashboards/freshness.ts";
import { registerInvitations } from "./dashboards/invitation-routes.ts";
import { registerLayout } from "./dashboards/layout-routes.ts";
import { registerMembers } from "./dashboards/member-routes.ts";
import { registerDashboards } from "./dashboards/routes.ts";
import { openDatabase } from "./db/connect.ts";
import { migrations, type PbMigration } from "./db/migrations/index.ts";
import type { Db, DbKind } from "./db/schema.ts";
import { docsPlugin } from "./docs/index.ts";
import { guard as buildGuard, registerRateLimits } from "./guard/index.ts";
import { heldFor } from "./guard/rate-limit.ts";
import { requestSerializer } from "./guard/redact.ts";
import { registerExport } from "./history/export-routes.ts";
import { fromFrameworkError, RateLimitedError } from "./http/errors.ts";
import { parseJsonBody } from "./http/json-body.ts";
import { registerWeb } from "./http/web.ts";
import { registerReceivers } from "./ingest/receivers/routes.ts";
import { registerIngest } from "./ingest/routes.ts";
import { registerMetrics } from "./metrics/routes.ts";
import { registerObservability } from "./observability/routes.ts";
import { Telemetry } from "./observability/telemetry.ts";
import { registerSso } from "./sso/routes.ts";
import { Storage } from "./storage/index.ts";
import { accessWatch } from "./ws/access-watch.ts";
import { type DashboardChannels, dashboardConsumer, HISTORY_POINTS } from "./ws/dashboard-consumer.ts";
import { dashboardContract } from "./ws/dashboard-contract.ts";
import { dashboardGroup } from "./ws/fanout.ts";
import { HandshakeCache } from "./ws/handshake-cache.ts";
import { dashboardStreams } from "./ws/positions.ts";
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
  /** The cluster's Redis: REST rate limits are counted there, one limit for every node. */
  redis?: Redis;
};

export type PulseboardApp = {
  app: FastifyInstance;
  channels: DashboardChannels;
  db: Db;
  kind: DbKind;
  ctx: AppContext;
  /**
   * Drains, then closes: readiness turns 503, the listener stops accepting (a proxy sends new
   * connections to the other nodes), every WebSocket closes with `code` (1012 on a deploy, so
   * clients reconnect elsewhere at once), in-flight requests and alert evaluation finish while
   * the channel layer is still up to publish their results, then the layer and storage close.
   */
  close(options?: {
    code?: number;
    reason?: string;
    /** Ask the clients to move first (`draining`) and wait this long for them (0: close at once). */
    handoverMs?: number;
    alsoWaitFor?: Promise<unknown>;
  }): Promise<void>;
};

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<PulseboardApp> {
  // Host allow-list, HTTP timeouts and socket caps, WebSocket admission (guard/).
  const guard = buildGuard(config, () => {
    const address = app.server.address();
    return typeof address === "object" && address ? address.port : undefined;
  });
  const app = Fastify({
    serverFactory: guard.server.factory,
    logger: { level: config.logLevel, serializers: { req: requestSerializer } },
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

  const storage = new Storage(handle.db, handle.target, config.storage, app.log);
  await storage.upkeep.start();
  await storage.warm();

  // The channels server needs the context (for storage) and the context needs a sender:
  // the sender forwards to the server once it exists.
  let server: DashboardChannels | undefined;
  // Sends in flight are counted: REST ingest answers before it fans out, so a drain must wait
  // for them before it closes the layer (the rolling-restart spec lost such points without this).
  let sending = 0;
  const sender: ContractSender = {
    groupSend: async (contract, group, type, payload) => {
      sending++;
      try {
        await server!.groupSend(contract, group, type, payload);
      } finally {
        sending--;
      }
    },
    reaches: (group) => server?.reaches(group) ?? true,
  };
  const ctx: AppContext = {
    config,
    db: handle.db,
    kind: handle.kind,
    storage,
    channels: sender,
    pointObservers: [],
    log: app.log,
    telemetry: new Telemetry(),
    lifecycle: { draining: false },
  };
  Object.assign(ctx.telemetry.sources, {
    db: handle.db,
    kind: handle.kind,
    dataDir: config.dataDir,
    alerts: () => alertServiceOf(ctx)?.counts,
  });
  const presence = options.presence ?? inProcessPresence();
  let closing = false;
  // Live points reach each node's connections (and its handshake cache) in offset order, holes
  // filled from storage.
  const layer = new OrderedLayer(options.layer ?? new InMemoryLayer(), dashboardStreams(ctx));
  const cache = new HandshakeCache(handle.db, storage, layer, {
    ttlMs: config.handshakeCacheTtlMs,
    maxCredentials: 100_000,
    maxDashboards: 10_000,
    historyPoints: HISTORY_POINTS,
    onError: (err, context) => app.log.warn({ err, context }, "handshake cache"),
  });
  // Access re-read from storage at an interval and when the channel layer is back (revocations
  // sent while it was away never arrived: the handshake cache forgets everything then, too).
  const watch = accessWatch(handle.db);
  const onWatchError = (err: unknown) => app.log.warn({ err }, "re-checking live access failed");
  watch.start(config.accessRecheckMs, onWatchError);
  const stopRecoveryWatch = layer.onRecovered?.(() => {
    cache.forgetAll();
    watch.recheckAll().catch(onWatchError);
  });
  const consumer = dashboardConsumer(
    ctx,
    presence,
    async (dashboardId, connections) => {
      // Paced presence broadcasts fire on a timer: none after shutdown began (the layer is closing).
      if (closing) return;
      await sender.groupSend(dashboardContract, dashboardGroup(dashboardId), "presence", {
        dashboard_id: dashboardId,
        connections,
      });
    },
    cache,
    watch,
  );
  const channels: DashboardChannels = createChannelsServer({
    consumers: [consumer],
    layer,
    maxConcurrentHandshakes: config.maxConcurrentHandshakes,
    ...guard.channelOptions,
    maxBufferedBytes: config.maxBufferedBytes,
    slowConsumerGraceMs: config.slowConsumerGraceMs,
    // Credentials are read at the handshake only; nothing after it reads a header.
    keptHeaders: [],
    logger: app.log,
  });
  server = channels;
  ctx.telemetry.sources.channels = channels;
  const detachUpgrades = guard.attachUpgrades(app.server, (req, socket, head) =>
    channels.handleUpgrade(req, socket, head),
  );

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
  // A request in flight when draining began closes its keep-alive connection with its answer:
  // otherwise the idle connection would hold the server's close until the keep-alive timeout.
  app.addHook("onSend", async (_request, reply) => {
    if (ctx.lifecycle.draining) reply.header("connection", "close");
  });
  // After the hooks above: limits are keyed by the authenticated caller.
  await registerRateLimits(app, config, options.redis);
  app.setErrorHandler((error, request, reply) => {
    const e = fromFrameworkError(error);
    if (e.status >= 500) request.log.error({ err: error }, "request failed");
    if (e instanceof RateLimitedError && e.retryAfterS !== undefined)
      reply.header("retry-after", String(e.retryAfterS));
    const hold = heldFor(error);
    if (hold > 0)
      return new Promise<void>((done) => setTimeout(done, hold)).then(() =>
        reply.status(e.status).send({ error: e.toJSON() }),
      );
    return reply.status(e.status).send({ error: e.toJSON() });
  });
  // Routes of the REST route table validate and serialize through their Zod schemas (http/route.ts).
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  for (const register of [
    registerAuth,
    registerSso,
    registerMe,
    registerAccount,
    registerTokens,
    registerDashboards,
    registerMembers,
    registerInvitations,
    registerMetrics,
    registerLayout,
    registerDefinitions,
    registerFreshness,
    registerExport,
    registerIngest,
    registerObservability,
    registerAdmin,
  ])
    register(app, ctx);
  // Alerting and the developer pages (/asyncapi.json, /docs, /playground) are part of every app.
  // Receivers of other agents' protocols (remote_write, line protocol, OTLP) parse their own bodies.
  for (const plugin of [alertsPlugin, auditPlugin, docsPlugin, registerReceivers, ...(options.plugins ?? [])])
    await plugin(app, ctx);
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
    close: (options = {}) => {
      closed ??= (async () => {
        ctx.lifecycle.draining = true;
        clearInterval(sweeper);
        detachUpgrades();
        watch.stop();
        stopRecoveryWatch?.();
        // app.close() stops the listener at once and resolves after in-flight requests and the
        // onClose hooks (alert evaluation) are done; meanwhile the sockets are told to go.
        const http = app.close();
        await channels.closeConnections(options.code, options.reason, {
          handoverMs: options.handoverMs ?? 0,
        });
        await http;
        await options.alsoWaitFor; // e.g. the collectors' last batch
        for (let waited = 0; sending > 0 && waited < 5000; waited += 10)
          await new Promise((r) => setTimeout(r, 10));
        closing = true;
        await cache.close();
        await channels.close();
        await storage.close();
        await handle.close();
        ctx.telemetry.close();
      })();
      return closed;
    },
  };
}
