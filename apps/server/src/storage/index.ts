// Owns the storage facade the rest of the server uses for points: the write path (one transaction
// per batch, durable before it resolves; with SQLite committed by the writer thread, with
// PostgreSQL, whose driver is asynchronous, in process), the read pool (every read off the event
// loop), series identity and background upkeep. Routes and consumers never see chunks.
import type { FastifyBaseLogger } from "fastify";
import type { Db, DbTarget, NewChunk } from "../db/schema.ts";
import { Upkeep } from "./compact.ts";
import type { Retention } from "./read.ts";
import { StorageReader } from "./reader.ts";
import { SeriesIds } from "./series.ts";
import { type PointColumns, writePoints } from "./write.ts";
import { StorageWriter } from "./writer.ts";

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
  private readonly writer: StorageWriter | undefined;

  constructor(
    readonly db: Db,
    target: DbTarget,
    readonly config: StorageConfig,
    log: FastifyBaseLogger,
  ) {
    this.series = new SeriesIds(db);
    this.writer = target.kind === "sqlite" ? new StorageWriter(target.file) : undefined;
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
    });
  }

  /** Commits the points in one transaction; resolves with each point's stream offset once durable. */
  async write(points: PointColumns): Promise<Float64Array> {
    if (points.n === 0) return new Float64Array(0);
    const offsets = this.writer
      ? await this.writer.write(points)
      : await this.db.transaction().execute((trx) => writePoints(trx, points));
    this.upkeep.touched(new Set(points.series));
    return offsets;
  }

  /** Resolves once the writer thread and a read worker are up (the first batch should not wait). */
  async warm(): Promise<void> {
    await Promise.all([this.writer?.warm(), this.reader.warm()]);
  }

  async close(): Promise<void> {
    await this.upkeep.stop();
    await this.writer?.close();
    await this.reader.close();
  }
}
