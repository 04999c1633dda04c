// Owns storage upkeep in the background, in small steps between which the event loop serves
// everyone else: compaction (the small chunks the write path makes, one per batch, are merged into
// sealed chunks of RAW_TARGET points or BUCKET_TARGET buckets) and retention (a tier's chunks older
// than its retention are deleted whole, a few hundred rows per statement: never a row-by-row scan).
//
// Several nodes may compact the same series: a merge deletes exactly the chunks it read, and a
// transaction that deleted fewer (another node merged them first) rolls back and changes nothing.
import type { Db, NewChunk } from "../db/schema.ts";
import { decodeBuckets, decodeRaw, encodeBuckets, encodeRaw } from "./codec.ts";
import type { Retention } from "./read.ts";
import { mergeRuns } from "./read.ts";
import { type Bucket, mergeBuckets, type Tier } from "./rollup.ts";
import { BUCKET_TARGET, blob, RAW_TARGET } from "./write.ts";

/** Chunks merged per step at most (bounds the time one step holds the event loop). */
const MERGE_LIMIT = 64;
const RETENTION_BATCH = 200;

class LostRace extends Error {}

const target = (tier: Tier) => (tier === 0 ? RAW_TARGET : BUCKET_TARGET[tier]);
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** Merges up to MERGE_LIMIT small chunks of one series and tier; true when it merged something. */
export async function compactStep(db: Db, seriesId: number, tier: Tier): Promise<boolean> {
  const small = await db
    .selectFrom("chunks")
    .select(["id", "count", "data"])
    .where("series_id", "=", seriesId)
    .where("tier", "=", tier)
    .where("sealed", "=", 0)
    .orderBy("start_ts")
    .limit(MERGE_LIMIT)
    .execute();
  if (small.length < 2) return false;
  const rows: NewChunk[] = [];
  const size = target(tier);
  if (tier === 0) {
    const run = mergeRuns(
      small.map((c) => decodeRaw(c.data as Uint8Array)),
      {},
    );
    for (let start = 0; start < run.n; start += size) {
      const end = Math.min(run.n, start + size);
      const part = {
        n: end - start,
        ts: run.ts.subarray(start, end),
        values: run.values.subarray(start, end),
        offsets: run.offsets.subarray(start, end),
      };
      let lo = Number.POSITIVE_INFINITY;
      let hi = 0;
      for (let i = 0; i < part.n; i++) {
        lo = Math.min(lo, part.offsets[i]!);
        hi = Math.max(hi, part.offsets[i]!);
      }
      rows.push({
        series_id: seriesId,
        tier,
        start_ts: part.ts[0]!,
        end_ts: part.ts[part.n - 1]!,
        count: part.n,
        first_offset: lo,
        last_offset: hi,
        sealed: part.n >= size ? 1 : 0,
        data: blob(encodeRaw(part)),
      });
    }
  } else {
    const parts: Bucket[] = [];
    for (const c of small) for (const b of decodeBuckets(c.data as Uint8Array)) parts.push(b);
    const merged = mergeBuckets(parts);
    for (let start = 0; start < merged.length; start += size) {
      const piece = merged.slice(start, start + size);
      rows.push({
        series_id: seriesId,
        tier,
        start_ts: piece[0]!.ts,
        end_ts: piece[piece.length - 1]!.ts,
        count: piece.length,
        first_offset: 0,
        last_offset: 0,
        sealed: piece.length >= size ? 1 : 0,
        data: blob(encodeBuckets(piece)),
      });
    }
  }
  // Nothing to gain: a single unsealed result from a single small chunk.
  try {
    await db.transaction().execute(async (trx) => {
      const ids = small.map((c) => c.id);
      const res = await trx.deleteFrom("chunks").where("id", "in", ids).executeTakeFirst();
      if (Number(res.numDeletedRows) !== ids.length) throw new LostRace();
      for (let i = 0; i < rows.length; i += 100)
        await trx
          .insertInto("chunks")
          .values(rows.slice(i, i + 100))
          .execute();
    });
  } catch (error) {
    if (error instanceof LostRace) return false;
    throw error;
  }
  return true;
}

/** Deletes one batch of a tier's chunks that ended before `cutoff`; the number deleted. */
export async function retentionStep(db: Db, tier: Tier, cutoff: number): Promise<number> {
  const old = await db
    .selectFrom("chunks")
    .select("id")
    .where("tier", "=", tier)
    .where("end_ts", "<", cutoff)
    .limit(RETENTION_BATCH)
    .execute();
  if (old.length === 0) return 0;
  await db
    .deleteFrom("chunks")
    .where(
      "id",
      "in",
      old.map((r) => r.id),
    )
    .execute();
  return old.length;
}

export type UpkeepOptions = {
  retention: Retention;
  /** Between compaction passes over the series written since the last one. */
  compactEveryMs: number;
  retentionEveryMs: number;
  onError: (error: unknown) => void;
};

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

  private async compactAll(): Promise<void> {
    const series = [...this.dirty];
    this.dirty.clear();
    for (const id of series) {
      for (const tier of [0, 1, 2] as const) {
        while (!this.stopped && (await compactStep(this.db, id, tier))) await yieldLoop();
      }
      await yieldLoop();
    }
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
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.running;
  }
}
