// Owns the SQLite writer thread: its own connection to the database file (WAL lets it write beside
// the event loop's connection and the read workers), every point commit, and the storage upkeep
// (compaction and retention, compact.ts) that rewrites chunks. All chunk writes happen here: had
// the event loop's connection kept writing too, its statements would wait for this thread's write
// lock inside SQLite's busy handler, on the event loop.
//
// A commit: stream offsets, chunk rows (planned by write.ts), the commit with synchronous=FULL,
// then the answer. Batches that queued while a commit ran are committed together (group commit:
// one fsync, and one chunk row per series and tier for all of them), each answered only after its
// commit; small jobs (live points) go before large ones queued earlier.
// Statements are prepared once: a batch of 2,000 samples makes about 3,000 chunk rows, and
// compiling a query builder per 200 of them cost more than SQLite's own work.
import { parentPort, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";
import { Kysely } from "kysely";
import type { Database, NewChunk } from "../db/schema.ts";
import { ImmediateSqliteDialect, withStatementCache } from "../db/sqlite-dialect.ts";
import { type MergeRows, mergedRows, Upkeep } from "./compact.ts";
import { newEpoch, type PointColumns, planWrite, pointsPerDashboard } from "./write.ts";
import type { MergeAnswer, MergeRequest, ToWriter, WriteJob, WriterAnswer, WriterData } from "./writer.ts";

/**
 * Points committed in one transaction at most (a single larger batch is committed alone): bounds
 * how long the write lock is held, and so how long a small job waits for the commit in progress.
 */
const GROUP_POINTS = 10_000;
/** Jobs of at most this many points are committed before larger ones queued earlier. */
const SMALL_JOB = 100;

const { file, upkeep: upkeepOptions, mergeOutside } = workerData as WriterData;
const sqlite = new SQLite(file, { fileMustExist: true });
sqlite.pragma("journal_mode = WAL");
// Upkeep's commits are not synced on their own (a merge lost to a power cut is simply redone: the
// chunks it replaced are still there); a point commit is (synchronous = FULL around it), which
// puts every earlier transaction in the WAL on disk with it. Compaction commits three times per
// series written, thousands of fsyncs a pass when each was synced.
sqlite.pragma("synchronous = NORMAL");
sqlite.pragma("foreign_keys = ON");
sqlite.pragma("busy_timeout = 5000");
// A commit touches a leaf of each series-ordered index per series written (thousands of pages for
// a batch of 1,000 series): with SQLite's default 2 MB cache they spilled to the WAL mid-commit and
// were written again at its end. Up to 64 MB, only this connection's.
sqlite.pragma("cache_size = -65536");
// Upkeep speaks Kysely over the same connection; its mutex also orders our own commits with it.
const db = new Kysely<Database>({
  dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
});

const reserve = sqlite.prepare<[number, string, number, number], { head: number | bigint }>(
  `insert into streams (dashboard_id, epoch, head) values (?, ?, ?)
   on conflict (dashboard_id) do update set head = streams.head + ? returning head`,
);
const insertChunk = sqlite.prepare(
  `insert into chunks (series_id, tier, start_ts, end_ts, count, first_offset, last_offset, sealed, data)
   values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const synced = sqlite.prepare("pragma synchronous = FULL");
const unsynced = sqlite.prepare("pragma synchronous = NORMAL");
const begin = sqlite.prepare("begin immediate");
const commit = sqlite.prepare("commit");
const rollback = sqlite.prepare("rollback");

// Merges asked of the event loop (which runs them in the read workers), by request id.
const merges = new Map<number, { resolve: (rows: NewChunk[]) => void; reject: (error: Error) => void }>();
let nextMerge = 1;
/**
 * Merges of less input than this are done here: a few points of each of thousands of series (a
 * remote_write or line-protocol backlog) cost less to merge than their round trip through the
 * event loop, which would carry 15,000 of them a pass.
 */
const MERGE_HERE_BYTES = 16 * 1024;
const mergeSmallHere: MergeRows = (task) =>
  task.blobs.reduce((n, b) => n + b.length, 0) < MERGE_HERE_BYTES
    ? Promise.resolve(mergedRows(task))
    : mergeElsewhere(task);
const mergeElsewhere: MergeRows = (task) =>
  new Promise((resolve, reject) => {
    const id = nextMerge++;
    merges.set(id, { resolve, reject });
    parentPort!.postMessage({ merge: task, id } satisfies MergeRequest);
  });

function merged(answer: MergeAnswer): void {
  const p = merges.get(answer.id);
  merges.delete(answer.id);
  if (answer.ok) p?.resolve(answer.rows);
  else p?.reject(new Error(answer.message));
}

const upkeep = new Upkeep(db, {
  ...upkeepOptions,
  onError: (error) => send({ warn: String((error as Error).message ?? error) }),
  ...(mergeOutside ? { merge: mergeSmallHere } : {}),
});

function send(msg: WriterAnswer | { warn: string } | { ready: true } | { closed: true }): void {
  const transfer = "ok" in msg && msg.ok && msg.value instanceof Float64Array ? [msg.value.buffer] : [];
  parentPort!.postMessage(msg, transfer as ArrayBuffer[]);
}

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

/** The jobs' columns end to end, in job order (so offsets, assigned in input order, follow it). */
function concat(jobs: WriteJob[]): PointColumns {
  if (jobs.length === 1) return jobs[0]!;
  let n = 0;
  for (const job of jobs) n += job.n;
  const out: PointColumns = {
    n,
    dashboards: new Float64Array(n),
    series: new Float64Array(n),
    kind: new Uint8Array(n),
    values: new Float64Array(n),
    ts: new Float64Array(n),
  };
  let at = 0;
  for (const job of jobs) {
    out.dashboards.set(job.dashboards.subarray(0, job.n), at);
    out.series.set(job.series.subarray(0, job.n), at);
    out.kind.set(job.kind.subarray(0, job.n), at);
    out.values.set(job.values.subarray(0, job.n), at);
    out.ts.set(job.ts.subarray(0, job.n), at);
    at += job.n;
  }
  return out;
}

/**
 * Commits the jobs in one transaction, planned as one batch: a series written by several of them
 * gets one chunk row per tier, not one per job (under load, when jobs queue up, that is most of
 * them). Each job's offsets; throws (rolled back) if anything fails.
 */
function commitGroup(jobs: WriteJob[]): Float64Array[] {
  const cols = concat(jobs);
  synced.run();
  begin.run();
  try {
    const first = new Map<number, number>();
    for (const [dashboardId, n] of pointsPerDashboard(cols)) {
      const head = Number(reserve.get(dashboardId, newEpoch(), n, n)!.head);
      first.set(dashboardId, head - n + 1);
    }
    const { offsets, rows } = planWrite(cols, first);
    for (const r of rows) insertRow(r);
    commit.run();
    upkeep.touched(cols.series);
    const out: Float64Array[] = [];
    let at = 0;
    for (const job of jobs) {
      out.push(offsets.slice(at, at + job.n));
      at += job.n;
    }
    return out;
  } catch (error) {
    if (sqlite.inTransaction) rollback.run();
    throw error;
  } finally {
    unsynced.run();
  }
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

/** Commits one group; a group that fails is retried job by job, so one bad batch fails alone. */
function commitOne(group: WriteJob[]): void {
  try {
    const offsets = commitGroup(group);
    for (let i = 0; i < group.length; i++) send({ id: group[i]!.id, ok: true, value: offsets[i]! });
  } catch (error) {
    if (group.length === 1) send(failed(group[0]!.id, error));
    else
      for (const job of group) {
        try {
          send({ id: job.id, ok: true, value: commitGroup([job])[0]! });
        } catch (e) {
          send(failed(job.id, e));
        }
      }
  }
}

let queue: WriteJob[] = [];
let draining: Promise<void> | null = null;

/**
 * The next group to commit, taken off the queue: the small jobs first (a live point, a
 * collector's scrape), all of them together, so they wait for at most the commit in progress,
 * never behind large batches queued before them; else the large ones in arrival order, up to
 * GROUP_POINTS. Offsets are given at commit, so they (and the answers, and what is published)
 * follow commit order whichever job goes first; concurrent requests had no order before it.
 */
function nextGroup(): WriteJob[] {
  const small = queue.filter((j) => j.n <= SMALL_JOB);
  if (small.length > 0) {
    queue = queue.filter((j) => j.n > SMALL_JOB);
    return small;
  }
  let size = queue[0]!.n;
  let k = 1;
  while (k < queue.length && size + queue[k]!.n <= GROUP_POINTS) size += queue[k++]!.n;
  const group = queue.slice(0, k);
  queue = queue.slice(k);
  return group;
}

/**
 * Commits what is queued, one group per turn of this thread's event loop, so jobs that arrive
 * during a commit are seen before the next group is chosen; waits for the connection while an
 * upkeep step holds it.
 */
function drain(): Promise<void> {
  draining ??= (async () => {
    while (queue.length > 0) {
      // Jobs that arrived meanwhile are delivered first: they join the choice of the next group.
      await new Promise<void>((r) => setImmediate(r));
      const group = nextGroup();
      await db.connection().execute(async () => commitOne(group));
    }
    draining = null;
  })();
  return draining;
}

async function handle(msg: ToWriter): Promise<void> {
  if (msg.op === "merged") return merged(msg);
  if (msg.op === "write") {
    queue.push(msg);
    void drain();
    return;
  }
  try {
    let value: unknown;
    if (msg.op === "start") await upkeep.start();
    else if (msg.op === "compact") await upkeep.compactNow();
    else if (msg.op === "retain") value = await upkeep.retainNow(msg.now);
    else if (msg.op === "close") {
      await upkeep.stop();
      while (draining) await draining;
      await db.destroy();
      send({ closed: true });
      return;
    }
    send({ id: msg.id, ok: true, value });
  } catch (error) {
    send(failed(msg.id, error));
  }
}

parentPort!.on("message", (msg: ToWriter) => void handle(msg));
send({ ready: true });
