// Owns the SQLite writer thread: its own connection to the database file (WAL lets it write beside
// the event loop's connection and the read workers), and every point commit: stream offsets,
// chunk rows (planned by write.ts), the commit with synchronous=FULL, then the answer. Batches that
// queued while a commit ran are committed together (one fsync for all of them, group commit), each
// still answered only after its commit. Statements are prepared once: a batch of 2,000 samples
// makes about 3,000 chunk rows, and compiling a query builder per 200 of them cost more than
// SQLite's own work.
import { parentPort, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";
import type { NewChunk } from "../db/schema.ts";
import { newEpoch, planWrite, pointsPerDashboard } from "./write.ts";
import type { WriteJob, WriterAnswer } from "./writer.ts";

/** Points committed in one transaction at most: bounds how long the write lock is held. */
const GROUP_POINTS = 50_000;

const { file } = workerData as { file: string };
const db = new SQLite(file, { fileMustExist: true });
db.pragma("journal_mode = WAL");
// Per connection: every commit of this thread is on disk before its batch is acknowledged.
db.pragma("synchronous = FULL");
db.pragma("foreign_keys = ON");
db.pragma("busy_timeout = 5000");

const reserve = db.prepare<[number, string, number, number], { head: number | bigint }>(
  `insert into streams (dashboard_id, epoch, head) values (?, ?, ?)
   on conflict (dashboard_id) do update set head = streams.head + ? returning head`,
);
const insertChunk = db.prepare(
  `insert into chunks (series_id, tier, start_ts, end_ts, count, first_offset, last_offset, sealed, data)
   values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const begin = db.prepare("begin immediate");
const commit = db.prepare("commit");
const rollback = db.prepare("rollback");

function insertRow(r: NewChunk): void {
  insertChunk.run(
    r.series_id,
    r.tier,
    r.start_ts,
    r.end_ts,
    r.count,
    r.first_offset,
    r.last_offset,
    r.sealed,
    r.data,
  );
}

/** Writes one job inside the open transaction; its offsets. */
function writeJob(job: WriteJob): Float64Array {
  const first = new Map<number, number>();
  for (const [dashboardId, n] of pointsPerDashboard(job)) {
    const head = Number(reserve.get(dashboardId, newEpoch(), n, n)!.head);
    first.set(dashboardId, head - n + 1);
  }
  const { offsets, rows } = planWrite(job, first);
  for (const r of rows) insertRow(r);
  return offsets;
}

/** Commits the jobs in one transaction; throws (rolled back) if any of them fails. */
function commitGroup(jobs: WriteJob[]): Float64Array[] {
  begin.run();
  try {
    const out = jobs.map(writeJob);
    commit.run();
    return out;
  } catch (error) {
    if (db.inTransaction) rollback.run();
    throw error;
  }
}

function answer(a: WriterAnswer): void {
  parentPort!.postMessage(a, a.ok ? [a.offsets.buffer as ArrayBuffer] : []);
}

function failed(id: number, error: unknown): WriterAnswer {
  const e = error as { code?: unknown; message?: unknown };
  return {
    id,
    ok: false,
    code: typeof e.code === "string" ? e.code : undefined,
    message: String(e.message ?? error),
  };
}

let queue: WriteJob[] = [];
let scheduled = false;

/**
 * Commits what has queued, in arrival order (the order the event loop sent them, which is the
 * order their offsets and answers take). A group that fails is retried job by job, so one bad
 * batch (say, a series deleted meanwhile) fails alone.
 */
function drain(): void {
  scheduled = false;
  while (queue.length > 0) {
    let size = 0;
    let k = 0;
    while (k < queue.length && (k === 0 || size + queue[k]!.n <= GROUP_POINTS)) size += queue[k++]!.n;
    const group = queue.slice(0, k);
    queue = queue.slice(k);
    try {
      const offsets = commitGroup(group);
      group.forEach((job, i) => answer({ id: job.id, ok: true, offsets: offsets[i]! }));
    } catch (error) {
      if (group.length === 1) answer(failed(group[0]!.id, error));
      else
        for (const job of group) {
          try {
            answer({ id: job.id, ok: true, offsets: commitGroup([job])[0]! });
          } catch (e) {
            answer(failed(job.id, e));
          }
        }
    }
  }
}

parentPort!.on("message", (msg: WriteJob | { close: true }) => {
  if ("close" in msg) {
    drain();
    db.close();
    parentPort!.postMessage({ closed: true });
    return;
  }
  queue.push(msg);
  // Messages that arrived while a commit ran are delivered before this runs: they join the group.
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});
parentPort!.postMessage({ ready: true });
