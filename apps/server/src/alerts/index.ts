// Owns plugging alerting into the server: `buildApp(config, { migrations: [alertsMigration],
// plugins: [alertsPlugin] })`. It registers the REST routes and puts the evaluator on the
// fan-out path, so every point that reaches dashboards is also checked against its rules.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { registerAlertRoutes } from "./routes.ts";
import { AlertService, type ObservedPoint } from "./service.ts";
import { alertDb } from "./store.ts";

export { alertsMigration } from "./migration.ts";
export { AlertService } from "./service.ts";

const services = new WeakMap<AppContext, AlertService>();

/** The alert service of an app (tests wait on `idle()`). */
export function alertServiceOf(ctx: AppContext): AlertService | undefined {
  return services.get(ctx);
}

export function alertsPlugin(app: FastifyInstance, ctx: AppContext): void {
  const db = alertDb(ctx.db);
  const service = new AlertService(db, ctx.kind, ctx.channels, ctx.log);
  services.set(ctx, service);

  // Ingest (REST and collectors) ends in `ctx.channels.groupSend(…, "metric_update", …)` after
  // commit: observing that one call sees every live point exactly once, on the node that
  // ingested it, without the ingest code knowing about alerts.
  const send = ctx.channels.groupSend.bind(ctx.channels);
  ctx.channels.groupSend = (group, action, payload) => {
    const result = send(group, action, payload);
    if (action === "metric_update") service.observe(payload as ObservedPoint);
    return result;
  };

  registerAlertRoutes(app, ctx, db, service);
  app.addHook("onClose", async () => {
    await service.close();
  });
}
