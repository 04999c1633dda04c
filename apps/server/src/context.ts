// Owns the object every route and consumer receives: configuration, storage, the channel
// layer sender, the logger and the app's telemetry. Built once in app.ts.
import type { ContractSender } from "@pulseboard/channels";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config/config.ts";
import type { Db, DbKind } from "./db/schema.ts";
import type { Telemetry } from "./observability/telemetry.ts";
import type { Storage } from "./storage/index.ts";
import type { PointObserver } from "./ws/fanout.ts";

export type AppContext = {
  config: Config;
  db: Db;
  kind: DbKind;
  /** Points: writes, reads off the event loop, upkeep (storage/index.ts). */
  storage: Storage;
  /** Server-side events to groups, each checked against its contract (ws/dashboard-contract.ts). */
  channels: ContractSender;
  /** Observers of every committed point (see ws/fanout.ts); modules push theirs at build time. */
  pointObservers: PointObserver[];
  log: FastifyBaseLogger;
  /** Pulseboard's own metrics (`GET /metrics`), one registry per app. */
  telemetry: Telemetry;
  /** Set once the node begins to drain (SIGTERM): readiness answers 503 from then on. */
  lifecycle: { draining: boolean };
};
