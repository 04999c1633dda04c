// Owns the storage facade the rest of the server uses for points: the write path (one transaction
// per batch, durable before it resolves), the read pool (every read off the event loop), series
// identity and background upkeep. With SQLite, commits and upkeep run in the writer thread
// (writer.ts); with PostgreSQL, whose driver is asynchronous, in process, merges in the read pool.
// Routes and consumers never see chunks.
import type { FastifyBaseLogger } from "fastify";
import type { Db, DbTarget, NewChunk } from "../db/schema.ts";
import { type MergeRows, Upkeep } from "./compact.ts";
import type { Retention } from "./read.ts";
import { StorageReader } from "./reader.ts";
import { SeriesIds } from "./series.ts";
import { type PointColumns, writePoints } from "./write.ts";
import { StorageWriter, type UpkeepControl } from "./writer.ts";

export type StorageConfig = {
  retention: Retention;
  readThreads: number;
  readsPerUser: number;
  readQueue: number;
  /** How much lower than the event loop's the read workers' CPU priority is (0 = the same). */
  readNice: number;
  compactEveryMs: number;
  retentionEveryMs: number;
};

export class Storage {
  readonly series: SeriesIds;
  readonly reader: StorageReader;
  readonly upkeep: UpkeepControl;
  private readonly writer: StorageWriter | undefined;
  private readonly local: Upkeep | undefined;

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
      nice: config.readNice,
    });
    const upkeep = {
      retention: config.retention,
      compactEveryMs: config.compactEveryMs,
      retentionEveryMs: config.retentionEveryMs,
    };
    const warn = (err: unknown) => log.warn({ err }, "storage upkeep step failed; retried on the next pass");
    // Decoding, merging and deflating chunks is CPU work: the read workers do it.
    const merge: MergeRows = (task) => this.reader.run<NewChunk[]>({ op: "merge", ...task });
    if (target.kind === "sqlite") {
      // Upkeep runs in the writer thread, which also gives SQLite's freed pages back.
      this.writer = new StorageWriter(
        { file: target.file, upkeep: { ...upkeep, reclaim: "sqlite" } },
        warn,
        merge,
      );
      this.upkeep = this.writer.upkeep;
    } else {
      this.local = new Upkeep(db, { ...upkeep, onError: warn, reclaim: "postgres", merge });
      this.upkeep = this.local;
    }
  }

  /** Commits the points in one transaction; resolves with each point's stream offset once durable. */
  async write(points: PointColumns): Promise<Float64Array> {
    if (points.n === 0) return new Float64Array(0);
    if (this.writer) return this.writer.write(points);
    const offsets = await this.db.transaction().execute((trx) => writePoints(trx, points));
    this.local!.touched(points.series);
    return offsets;
  }

  /** Resolves once the writer thread and a read worker are up (the first batch should not wait). */
  async warm(): Promise<void> {
    await Promise.all([this.writer?.warm(), this.reader.warm()]);
  }

  async close(): Promise<void> {
    await this.local?.stop();
    await this.writer?.close();
    await this.reader.close();
  }
}
