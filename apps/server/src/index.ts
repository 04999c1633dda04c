// Public entry of @pulseboard/server: build the app in-process (tests, bench, other modules).
export { type BuildOptions, buildApp, type PulseboardApp } from "./app.ts";
export { type Config, loadConfig } from "./config/config.ts";
export type { AppContext } from "./context.ts";
export { requireRole, roleOf } from "./dashboards/access.ts";
export type { PbMigration } from "./db/migrations/index.ts";
export * from "./http/errors.ts";
export type { StoredPoint } from "./ingest/ingest.ts";
export { dashboardGroup } from "./ws/fanout.ts";
