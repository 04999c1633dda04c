// Owns plugging alerting into the server (buildApp registers it; its tables are in the built-in
// migration list). It registers the REST routes and observes every committed point, so each
// point that reaches dashboards is also checked against its rules.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { registerAlertRoutes } from "./routes.ts";
import { AlertService } from "./service.ts";
import { alertDb } from "./store.ts";

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

  // Every committed point (REST ingest and collectors), once, on the node that ingested it.
  ctx.pointObservers.push((point) => service.observe(point));

  registerAlertRoutes(app, ctx, db, service);
  app.addHook("onClose", async () => {
    await service.close();
  });
}
