// Owns plugging alerting into the server (buildApp registers it; its tables are in the built-in
// migration list). It registers the REST routes, observes every committed point, so each point
// that reaches dashboards is also checked against its rules, and runs this node's notification
// outbox.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import type { NotifyDeps } from "./contact-points.ts";
import { registerContactPointRoutes } from "./contact-routes.ts";
import { Outbox } from "./outbox.ts";
import { registerAlertRoutes } from "./routes.ts";
import { registerRuleSetRoutes } from "./rule-set-routes.ts";
import { AlertService } from "./service.ts";
import { alertDb } from "./store.ts";

export { AlertService } from "./service.ts";

const services = new WeakMap<AppContext, { service: AlertService; outbox: Outbox }>();

/** The alert service of an app (tests wait on `idle()`). */
export function alertServiceOf(ctx: AppContext): AlertService | undefined {
  return services.get(ctx)?.service;
}

/** The notification outbox of an app (tests wait on `idle()`). */
export function alertOutboxOf(ctx: AppContext): Outbox | undefined {
  return services.get(ctx)?.outbox;
}

export function alertsPlugin(app: FastifyInstance, ctx: AppContext): void {
  const db = alertDb(ctx.db);
  const { config } = ctx;
  const deps: NotifyDeps = {
    policy: { allowPrivate: config.alertAllowPrivate, allowHosts: config.alertAllowHosts },
    mailer: config.smtpUrl ? { url: config.smtpUrl, from: config.smtpFrom } : undefined,
  };
  const node = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const outbox = new Outbox(db, ctx.kind, deps, ctx.log, {
    node,
    pollMs: config.alertPollMs,
    retryBaseMs: config.alertRetryBaseMs,
  });
  const service = new AlertService(db, ctx.kind, ctx.channels, ctx.log, outbox, config.alertPollMs);
  services.set(ctx, { service, outbox });

  // Every committed point (REST ingest and collectors), once, on the node that ingested it.
  ctx.pointObservers.push({
    wants: (metricId) => service.wants(metricId),
    observe: (p) => service.observe(p),
  });

  registerAlertRoutes(app, ctx, db, service);
  registerRuleSetRoutes(app, ctx, db, service);
  registerContactPointRoutes(app, ctx, db, outbox, deps);
  app.addHook("onReady", async () => outbox.start());
  app.addHook("onClose", async () => {
    await service.close();
    await outbox.close();
  });
}
