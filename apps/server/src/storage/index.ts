// Owns the storage facade the rest of the server uses for points: the write path (inside one
// transaction per batch, durable before it resolves), the read pool (every read off the event
// loop), series identity and background upkeep. Routes and consumers never see chunks.
import type { FastifyBaseLogger } from "fastify";
import type { Db, DbTarget, NewChunk } from "../db/schema.ts";
import { Upkeep } from "./compact.ts";
import type { Retention } from "./read.ts";
import { StorageReader } from "./reader.ts";
import { SeriesIds } from "./series.ts";
import { type PointToStore, writePoints } from "./write.ts";

export type StorageConfig = {
  retention: Retention;
  readThreads: number;
  readsPerUser: number;
  readQueue: number;
  compactEveryMs: number;
  retentionEveryMs: number;
};

export class Storage {
  readonly series: SeriesIds;
  readonly reader: StorageReader;
  readonly upkeep: Upkeep;

  constructor(
    readonly db: Db,
    target: DbTarget,
    readonly config: StorageConfig,
    log: FastifyBaseLogger,
  ) {
    this.series = new SeriesIds(db);
    this.reader = new StorageReader(target, {
      threads: config.readThreads,
      perUser: config.readsPerUser,
      maxQueue: config.readQueue,
    });
    this.upkeep = new Upkeep(db, {
      retention: config.retention,
      compactEveryMs: config.compactEveryMs,
      retentionEveryMs: config.retentionEveryMs,
      onError: (err) => log.warn({ err }, "storage upkeep step failed; retried on the next pass"),
      // Decoding, merging and deflating chunks is CPU work: the read workers do it.
      merge: (task) => this.reader.run<NewChunk[]>({ op: "merge", ...task }),
      reclaim: target.kind === "sqlite",
    });
  }

  /** Commits the points in one transaction; resolves with each point's stream offset once durable. */
  async write(points: PointToStore[]): Promise<number[]> {
    if (points.length === 0) return [];
    const offsets = await this.db.transaction().execute((trx) => writePoints(trx, points));
    this.upkeep.touched(new Set(points.map((p) => p.seriesId)));
    return offsets;
  }

  async close(): Promise<void> {
    await this.upkeep.stop();
    await this.reader.close();
  }
}
