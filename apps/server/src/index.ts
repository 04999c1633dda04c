// Public entry of @pulseboard/server: build the app in-process (tests, bench, other modules).
export { type BuildOptions, buildApp, type PulseboardApp } from "./app.ts";
export { type Config, loadConfig } from "./config.ts";
export type { AppContext } from "./context.ts";
export type { PbMigration } from "./db/migrations/index.ts";
export * from "./errors.ts";
export { dashboardGroup } from "./fanout.ts";
export type { StoredPoint } from "./ingest.ts";
export { requireRole, roleOf } from "./model/access.ts";
