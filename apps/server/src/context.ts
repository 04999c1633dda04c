// Owns the object every route and consumer receives: configuration, storage, the channel
// layer sender and the logger. Built once in app.ts.
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.ts";
import type { Db, DbKind } from "./db/schema.ts";
import type { GroupSender, PointObserver } from "./fanout.ts";

export type AppContext = {
  config: Config;
  db: Db;
  kind: DbKind;
  channels: GroupSender;
  /** Observers of every committed point (see fanout.ts); modules push theirs at build time. */
  pointObservers: PointObserver[];
  log: FastifyBaseLogger;
  /** Set once the node begins to drain (SIGTERM): readiness answers 503 from then on. */
  lifecycle: { draining: boolean };
};
