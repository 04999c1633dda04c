// Owns the messages between the event loop and the read workers: one task type per read, all
// plain data (structured clone), results as ready-to-send JSON text or typed arrays, so the main
// thread neither aggregates nor serializes large answers.
import type { DbTarget } from "../db/schema.ts";
import type { MergeTask } from "./compact.ts";
import type { Range, Retention } from "./read.ts";
import type { SeriesKind } from "./rollup.ts";

export type ReadTask =
  | {
      op: "values";
      metricId: number;
      seriesId: number;
      kind: SeriesKind;
      range: Range;
      limit: number;
      points?: number | undefined;
      retention: Retention;
    }
  /** The newest `limit` points of each series, leaving out those with offsets past `upTo`. */
  | { op: "recent"; seriesIds: number[]; limit: number; upTo?: number | undefined }
  /** Points after (since, tieOffset) in (timestamp, offset) order: a keyset page of a replay. */
  | { op: "since"; seriesId: number; since: number; tieOffset: number; limit: number }
  | { op: "after"; seriesIds: number[]; after: number; limit: number }
  | { op: "oldest"; seriesIds: number[] }
  | { op: "windows"; seriesId: number; range: Range; pointsPerWindow: number }
  /** CSV rows of a window as UTF-8 bytes (their ArrayBuffer is transferred, not copied). */
  | { op: "csv"; seriesId: number; window: [number, number]; prefix: string; left?: ClientLeft }
  | { op: "json"; seriesId: number; window: [number, number]; left?: ClientLeft }
  /** Compaction's CPU part: the chunks' data in, the rows that replace them out. */
  | ({ op: "merge" } & MergeTask);

/**
 * Set to 1 (Atomics) by the event loop once an export's client has gone; shared memory, so a
 * window still queued for a worker sees it when its turn comes and is skipped without a read.
 * (Aborting a piscina task that has started terminates its thread, so a started window finishes.)
 */
export type ClientLeft = Int32Array<SharedArrayBuffer>;

/** Points as parallel columns (structured clone copies typed arrays in one block). */
export type Columns = { n: number; ts: Float64Array; values: Float64Array; offsets: Float64Array };
export type AfterResult = Columns & { series: Float64Array; more: boolean };

export type { DbTarget } from "../db/schema.ts";

/** What each read worker is started with: its database, and its nice value (thread-priority.ts). */
export type ReaderWorkerData = { target: DbTarget; nice: number };

/** What a worker answers: the value, or the error as data (code and message survive the clone). */
export type TaskResult =
  | { ok: true; value: unknown }
  | { ok: false; code: string | undefined; message: string };
