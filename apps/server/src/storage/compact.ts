// Owns storage upkeep in the background, in small steps between which the event loop serves
// everyone else: compaction (the small chunks the write path makes, one per batch, are merged into
// sealed chunks of RAW_TARGET points or BUCKET_TARGET buckets) and retention (a tier's chunks older
// than its retention are deleted whole, a few hundred rows per statement: never a row-by-row scan).
//
// Several nodes may compact the same series: a merge deletes exactly the chunks it read, and a
// transaction that deleted fewer (another node merged them first) rolls back and changes nothing.
import { sql } from "kysely";
import type { Db, DbKind, NewChunk } from "../db/schema.ts";
import { decodeBuckets, decodeRaw } from "./codec.ts";
import { mergeRuns, type Retention } from "./read.ts";
import { type Bucket, mergeBuckets, type Tier } from "./rollup.ts";
import { blob, bucketChunkRows, CHUNK_SPAN_MS, rawChunkRows } from "./write.ts";

/** Chunks merged per step at most (bounds the time one step holds the event loop). */
const MERGE_LIMIT = 64;
/**
 * Points (or buckets) merged per step at most, beyond the first two chunks: 64 chunks of a
 * 10,000-point batch's remainder held the event loop for 100–300 ms (decode, merge, encode,
 * deflate), which live updates waited behind.
 */
const MERGE_POINTS = 8192;
const RETENTION_BATCH = 200;
/**
 * SQLite free pages given back to the file system per step (1 MiB at 4 KiB pages), and the free
 * pages below which a pass leaves them for the next writes to reuse.
 */
const RECLAIM_PAGES = 256;
const RECLAIM_FROM = 256;

class LostRace extends Error {}

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** An hour after its span window ended, a window takes no more points but late ones. */
const SETTLE_MS = 3_600_000;

/** What one merge needs: the chunks' data, in the order read; `seal` when their window has closed. */
export type MergeTask = { seriesId: number; tier: Tier; blobs: Uint8Array[]; seal: boolean };
/** Decodes, merges and re-encodes chunks (CPU work: the read workers do it, off the event loop). */
export type MergeRows = (task: MergeTask) => Promise<NewChunk[]>;

/** The rows that replace the merged chunks. */
export function mergedRows({ seriesId, tier, blobs, seal }: MergeTask): NewChunk[] {
  let rows: NewChunk[];
  if (tier === 0)
    rows = rawChunkRows(
      seriesId,
      mergeRuns(
        blobs.map((b) => decodeRaw(b)),
        {},
      ),
      true,
    );
  else {
    const parts: Bucket[] = [];
    for (const b of blobs) for (const bucket of decodeBuckets(b)) parts.push(bucket);
    rows = bucketChunkRows(seriesId, tier, mergeBuckets(parts), true);
  }
  if (seal) for (const r of rows) r.sealed = 1;
  return rows;
}

const mergeHere: MergeRows = async (task) => mergedRows(task);

/**
 * One step of compaction for a series and tier: in the earliest span window holding more than one
 * small chunk (up to MERGE_LIMIT of them, MERGE_POINTS points), merges them; a window that has
 * ended gets its chunks sealed whatever their size. True when it changed something (call again),
 * false when done. The merge itself runs where `merge` says (the read workers, in the server).
 */
export async function compactStep(
  db: Db,
  seriesId: number,
  tier: Tier,
  now = Date.now(),
  merge: MergeRows = mergeHere,
): Promise<boolean> {
  const span = CHUNK_SPAN_MS[tier];
  const small = await db
    .selectFrom("chunks")
    .select(["id", "start_ts", "count"])
    .where("series_id", "=", seriesId)
    .where("tier", "=", tier)
    .where("sealed", "=", 0)
    .orderBy("start_ts")
    .limit(1024)
    .execute();
  const byWindow = new Map<number, number[]>();
  const points = new Map<number, number>();
  for (const c of small) {
    const w = Math.floor(Number(c.start_ts) / span);
    const ids = byWindow.get(w) ?? [];
    const n = (points.get(w) ?? 0) + Number(c.count);
    if (ids.length < 2 || (ids.length < MERGE_LIMIT && n <= MERGE_POINTS)) {
      ids.push(c.id);
      points.set(w, n);
    }
    byWindow.set(w, ids);
  }
  const closed = (w: number) => (w + 1) * span + SETTLE_MS < now;
  const pick = [...byWindow].find(([w, ids]) => ids.length > 1 || closed(w));
  if (!pick) return false;
  // A lone chunk of a closed window is rewritten too, not just marked sealed: the write path stores
  // its small chunks undeflated, and a sealed chunk is never rewritten again.
  const [window, ids] = pick;
  const chunks = await db.selectFrom("chunks").select(["id", "data"]).where("id", "in", ids).execute();
  const rows = (
    await merge({ seriesId, tier, blobs: chunks.map((c) => c.data as Uint8Array), seal: closed(window) })
  ).map((r) => ({ ...r, data: blob(r.data as Uint8Array) }));
  try {
    await db.transaction().execute(async (trx) => {
      const found = chunks.map((c) => c.id);
      const res = await trx.deleteFrom("chunks").where("id", "in", found).executeTakeFirst();
      if (found.length !== ids.length || Number(res.numDeletedRows) !== ids.length) throw new LostRace();
      for (let i = 0; i < rows.length; i += 100)
        await trx
          .insertInto("chunks")
          .values(rows.slice(i, i + 100))
          .execute();
    });
  } catch (error) {
    if (error instanceof LostRace || movedMeanwhile(error)) return false;
    throw error;
  }
  return true;
}

/**
 * PostgreSQL: another node (one of an older version, which sealed a lone chunk in place) moved the
 * row to `chunks_sealed` meanwhile (serialization_failure): the same lost race as finding fewer
 * chunks to delete.
 */
const movedMeanwhile = (error: unknown) => (error as { code?: string }).code === "40001";

/**
 * Deletes one batch of a tier's chunks that ended before `cutoff`; the number deleted. Deleting raw
 * points also moves each stream's `trimmed` mark past their offsets, in the same transaction, so
 * a resume from before it is refused rather than replayed with a hole.
 */
export async function retentionStep(db: Db, tier: Tier, cutoff: number): Promise<number> {
  const old = await db
    .selectFrom("chunks")
    .select(["id", "series_id", "last_offset"])
    .where("tier", "=", tier)
    .where("end_ts", "<", cutoff)
    .limit(RETENTION_BATCH)
    .execute();
  if (old.length === 0) return 0;
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom("chunks")
      .where(
        "id",
        "in",
        old.map((r) => r.id),
      )
      .execute();
    if (tier !== 0) return;
    const bySeries = new Map<number, number>();
    for (const r of old)
      bySeries.set(r.series_id, Math.max(bySeries.get(r.series_id) ?? 0, Number(r.last_offset)));
    const owners = await trx
      .selectFrom("series")
      .innerJoin("metrics", "metrics.id", "series.metric_id")
      .select(["series.id as series_id", "metrics.dashboard_id"])
      .where("series.id", "in", [...bySeries.keys()])
      .execute();
    const byDashboard = new Map<number, number>();
    for (const o of owners)
      byDashboard.set(
        o.dashboard_id,
        Math.max(byDashboard.get(o.dashboard_id) ?? 0, bySeries.get(o.series_id)!),
      );
    for (const [dashboardId, offset] of byDashboard)
      await trx
        .updateTable("streams")
        .set({ trimmed: sql`case when trimmed < ${offset} then ${offset} else trimmed end` })
        .where("dashboard_id", "=", dashboardId)
        .execute();
  });
  return old.length;
}

export type UpkeepOptions = {
  retention: Retention;
  /** Between compaction passes over the series written since the last one. */
  compactEveryMs: number;
  retentionEveryMs: number;
  onError: (error: unknown) => void;
  /** Where merges run (default: here, on the event loop; the server gives its read workers). */
  merge?: MergeRows;
  /**
   * Give freed space back after each pass: SQLite's free pages (`reclaimStep`), PostgreSQL's
   * open-chunk partition once mostly dead rows (`tidyOpenChunks`; autovacuum does the rest).
   */
  reclaim?: DbKind;
};

/**
 * One step of giving SQLite's free pages back (compaction and retention delete whole chunks, whose
 * pages would otherwise stay in the file for ever): `incremental_vacuum` moves at most
 * RECLAIM_PAGES pages and truncates the file. Returns whether free pages are left. A database
 * created before auto_vacuum was turned on (connect.ts) has none to give: the pragma does nothing.
 */
export async function reclaimStep(db: Db): Promise<boolean> {
  const free = Number(
    (await sql<{ freelist_count: number }>`pragma freelist_count`.execute(db)).rows[0]?.freelist_count,
  );
  if (!(free >= RECLAIM_FROM)) return false;
  // better-sqlite3 steps a statement that returns no rows once, and each step of this pragma moves
  // one page: so one run per page, all in one transaction (one commit, one fsync).
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < RECLAIM_PAGES; i++) await sql`pragma incremental_vacuum(1)`.execute(trx);
  });
  return free - RECLAIM_PAGES >= RECLAIM_FROM;
}

/**
 * `chunks_open` is rewritten once at least half of it, and more than this, is dead: the rewrite
 * copies the live half, so it never costs more than the space it gives back.
 */
const TIDY_DEAD_BYTES = 1024 * 1024;
/** Per row, beyond its data: tuple header, columns and the three index entries, roughly. */
const ROW_BYTES = 200;

/**
 * PostgreSQL: rewrites the open-chunk partition (migration 014) when it is half dead rows. The
 * write path's small chunks are deleted by compaction within minutes, but PostgreSQL keeps their
 * heap and index pages (reused, never given back): after a bulk load, most of the database. The
 * partition's live rows are few (each series' unsealed tail), so `VACUUM FULL` copies little; it
 * locks the partition meanwhile, and gives up at once (next pass) rather than queue writers behind
 * a long read. True when it rewrote.
 */
export async function tidyOpenChunks(db: Db): Promise<boolean> {
  const size = await sql<{ total: string; live: string }>`
    select pg_total_relation_size('chunks_open') as total,
      (select coalesce(sum(pg_column_size(data) + ${ROW_BYTES}), 0) from chunks_open) as live`.execute(db);
  const total = Number(size.rows[0]?.total);
  const live = Number(size.rows[0]?.live);
  if (!(total - live > TIDY_DEAD_BYTES && total - live > live)) return false;
  try {
    await db.connection().execute(async (c) => {
      await sql`set lock_timeout = '50ms'`.execute(c);
      try {
        await sql`vacuum full chunks_open`.execute(c);
      } finally {
        await sql`reset lock_timeout`.execute(c);
      }
    });
  } catch (error) {
    // lock_not_available: a read or write held the partition; the next pass tries again.
    if ((error as { code?: string }).code === "55P03") return false;
    throw error;
  }
  return true;
}

/** Background upkeep of one node: compaction of what it wrote, retention of everything. */
export class Upkeep {
  private readonly dirty = new Set<number>();
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly options: UpkeepOptions,
  ) {}

  /** The write path tells which series got new small chunks. */
  touched(seriesIds: Iterable<number>): void {
    for (const id of seriesIds) this.dirty.add(id);
  }

  async start(): Promise<void> {
    // Series with small chunks left by an earlier run (or another node) are compacted too.
    const rows = await this.db
      .selectFrom("chunks")
      .select("series_id")
      .distinct()
      .where("sealed", "=", 0)
      .execute();
    this.touched(rows.map((r) => r.series_id));
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void this.exclusive(fn), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.compactEveryMs, () => this.compactAll());
    every(this.options.retentionEveryMs, async () => {
      await this.applyRetention();
    });
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    if (this.running || this.stopped) return this.running ?? Promise.resolve();
    this.running = fn()
      .catch(this.options.onError)
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** One full compaction pass now (tests, CLI); waits for a pass in progress first. */
  async compactNow(): Promise<void> {
    while (this.running) await this.running;
    await this.exclusive(() => this.compactAll());
  }

  async retainNow(now = Date.now()): Promise<number> {
    while (this.running) await this.running;
    let deleted = 0;
    await this.exclusive(async () => {
      deleted = await this.applyRetention(now);
    });
    return deleted;
  }

  private async reclaim(): Promise<void> {
    if (this.options.reclaim === "postgres") await tidyOpenChunks(this.db);
    if (this.options.reclaim !== "sqlite") return;
    while (!this.stopped && (await reclaimStep(this.db))) await yieldLoop();
  }

  private async compactAll(): Promise<void> {
    const series = [...this.dirty];
    this.dirty.clear();
    for (const [i, id] of series.entries()) {
      try {
        for (const tier of [0, 1, 2] as const) {
          while (!this.stopped && (await compactStep(this.db, id, tier, Date.now(), this.options.merge)))
            await yieldLoop();
        }
      } catch (error) {
        // Kept for the next pass (e.g. the read pool was saturated), with the ones not reached yet.
        for (const left of series.slice(i)) this.dirty.add(left);
        throw error;
      }
      await yieldLoop();
    }
    await this.reclaim();
  }

  private async applyRetention(now = Date.now()): Promise<number> {
    let total = 0;
    for (const tier of [0, 1, 2] as const) {
      const cutoff = now - this.options.retention[tier];
      for (;;) {
        if (this.stopped) return total;
        const n = await retentionStep(this.db, tier, cutoff);
        total += n;
        if (n < RETENTION_BATCH) break;
        await yieldLoop();
      }
    }
    await this.reclaim();
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.running;
  }
}
