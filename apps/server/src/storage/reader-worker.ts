// Owns one read worker: its own read-only connection (SQLite in WAL mode reads beside the writer
// without blocking it; PostgreSQL a small pool), and the handler of every ReadTask. Aggregation,
// decoding and JSON/CSV formatting happen here, off the event loop.
import { workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { Piscina } from "piscina";
import { checkedPool, pgTypes } from "../db/pg-types.ts";
import type { Database, Db } from "../db/schema.ts";
import { type RawRun, sliceRun } from "./codec.ts";
import { mergedRows } from "./compact.ts";
import { csvRows } from "./csv.ts";
import { isoTime } from "./iso.ts";
import {
  downsample,
  exportWindows,
  oldestOffset,
  readAfterOffset,
  readFrom,
  readRaw,
  readRecent,
} from "./read.ts";
import type { AfterResult, Columns, DbTarget, ReaderWorkerData, ReadTask, TaskResult } from "./tasks.ts";
import { lowerThreadPriority } from "./thread-priority.ts";

let db: Db | undefined;

const { target, nice } = workerData as ReaderWorkerData;
// Reads yield the CPU to the event loop when both compete for it (thread-priority.ts).
lowerThreadPriority(nice);

function connect(target: DbTarget): Db {
  if (target.kind === "sqlite") {
    const file = new SQLite(target.file, { readonly: true, fileMustExist: true });
    file.pragma("busy_timeout = 5000");
    return new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 2,
    types: pgTypes,
    connectionTimeoutMillis: 5000,
  });
  pool.on("error", () => {}); // a lost idle client is replaced on the next query
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: checkedPool(pool) }) });
}

const iso = isoTime;

function columns(run: RawRun): Columns {
  return {
    n: run.n,
    ts: run.ts.slice(0, run.n),
    values: run.values.slice(0, run.n),
    offsets: run.offsets.slice(0, run.n),
  };
}

function valuesJson(run: RawRun): string {
  const parts: string[] = [];
  for (let i = 0; i < run.n; i++)
    parts.push(`{"value":${JSON.stringify(run.values[i])},"timestamp":"${iso(run.ts[i]!)}"}`);
  return `[${parts.join(",")}]`;
}

/**
 * A result holding bytes (an export window's CSV) moves its ArrayBuffer to the event loop instead
 * of copying it: piscina transfers what an object's transferable symbol lists.
 */
function moved(result: TaskResult): TaskResult {
  if (!(result.ok && result.value instanceof Uint8Array)) return result;
  const buffer = result.value.buffer;
  return Piscina.move({
    [Piscina.transferableSymbol]: [buffer],
    [Piscina.valueSymbol]: result,
  } as unknown as Parameters<typeof Piscina.move>[0]) as unknown as TaskResult;
}

/**
 * Errors cross the thread boundary as plain data (a structured clone drops an Error's `code`,
 * which tells "storage unavailable" (503) from a bug (500)). A connection the database dropped
 * (restart, failover) is retried on a fresh one, twice at most.
 */
export default async function handle(task: ReadTask): Promise<TaskResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return moved({ ok: true, value: await run(task) });
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      const code = typeof e.code === "string" ? e.code : undefined;
      const message = String(e.message ?? error);
      const dropped =
        /^(57P0[1-3]|08|ECONNRESET|EPIPE)/.test(code ?? "") ||
        /Connection terminated|terminating connection/i.test(message);
      if (attempt < 2 && dropped) continue;
      return { ok: false, code, message };
    }
  }
}

async function run(task: ReadTask): Promise<unknown> {
  db ??= connect(target);
  switch (task.op) {
    case "values": {
      const values =
        task.points !== undefined
          ? JSON.stringify(
              await downsample(db, task.seriesId, task.kind, task.range, task.points, task.retention),
            )
          : valuesJson(
              task.range.from !== undefined
                ? await readFrom(db, task.seriesId, task.range.from, task.range.to, task.limit)
                : await readRecent(db, task.seriesId, task.limit, task.range.to),
            );
      return `{"metric_id":${task.metricId},"values":${values}}`;
    }
    case "recent": {
      // Points committed after `upTo` are left out: they reach the client live, after this history.
      const out: Array<Array<{ value: number; timestamp: string; offset: number }>> = [];
      const extra = task.upTo === undefined ? 0 : 64;
      for (const id of task.seriesIds) {
        const run = await readRecent(db, id, task.limit + extra);
        const values: Array<{ value: number; timestamp: string; offset: number }> = [];
        for (let i = 0; i < run.n; i++) {
          const offset = run.offsets[i]!;
          if (task.upTo !== undefined && offset > task.upTo) continue;
          values.push({ value: run.values[i]!, timestamp: iso(run.ts[i]!), offset });
        }
        out.push(values.slice(Math.max(0, values.length - task.limit)));
      }
      return out;
    }
    case "since": {
      // Points stamped exactly `since` with an offset at or below tieOffset were already sent.
      const run = await readFrom(db, task.seriesId, task.since, undefined, task.limit + 1024);
      let skip = 0;
      while (skip < run.n && run.ts[skip] === task.since && run.offsets[skip]! <= task.tieOffset) skip++;
      const n = Math.min(task.limit, run.n - skip);
      return columns(sliceRun(run, skip, skip + n));
    }
    case "after": {
      const r = await readAfterOffset(db, task.seriesIds, task.after, task.limit);
      return { ...columns(r.run), series: r.series, more: r.more } satisfies AfterResult;
    }
    case "oldest":
      return oldestOffset(db, task.seriesIds);
    case "windows":
      return exportWindows(db, task.seriesId, task.range, task.pointsPerWindow);
    case "csv": {
      if (task.left && Atomics.load(task.left, 0) === 1) return new Uint8Array(0);
      const run = await readRaw(db, task.seriesId, { from: task.window[0], to: task.window[1] });
      return csvRows(task.prefix, run.n, run.ts, run.values);
    }
    case "merge":
      return mergedRows(task);
    case "json": {
      if (task.left && Atomics.load(task.left, 0) === 1) return "";
      const run = await readRaw(db, task.seriesId, { from: task.window[0], to: task.window[1] });
      return valuesJson(run).slice(1, -1);
    }
  }
}
