// Owns the read pool: worker threads (piscina) that run every history read, downsampling, replay
// and export page (reader-worker.ts), so a month-long query or a full export never stops the
// event loop that streams live updates. Bounded: a per-user cap on concurrent expensive reads
// (429 past it) and a bounded queue (503 when the pool is saturated), so one user's reads cannot
// starve another's. The WebSocket side's reads (history on connect, replays after a reconnect) are
// never refused: a client waiting for its replay must get it, or points would be missing for good;
// they are bounded by the connections instead (one replay at a time per connection).
import { Piscina } from "piscina";
import type { DbTarget } from "../db/schema.ts";
import { RateLimitedError, UnavailableError } from "../http/errors.ts";
import type { ReaderWorkerData, ReadTask, TaskResult } from "./tasks.ts";

export type ReaderOptions = {
  threads: number;
  /** Concurrent expensive reads (REST history, exports) per user. */
  perUser: number;
  /** Tasks waiting for a thread before new ones are refused. */
  maxQueue: number;
  /** Nice value of the worker threads over the event loop's (thread-priority.ts). */
  nice: number;
};

export class StorageReader {
  private readonly pool: Piscina;
  private readonly active = new Map<number, number>();

  constructor(
    target: DbTarget,
    private readonly options: ReaderOptions,
  ) {
    this.pool = new Piscina({
      filename: new URL("./reader-worker.mjs", import.meta.url).href,
      workerData: { target, nice: options.nice } satisfies ReaderWorkerData,
      minThreads: options.threads,
      maxThreads: options.threads,
      // Our own bound below applies to the bounded reads only; piscina's queue takes them all.
      maxQueue: Number.POSITIVE_INFINITY,
      idleTimeout: 60_000,
    });
  }

  /** `waits`: queued however busy the pool is (the WebSocket side's history and replays). */
  async run<T>(task: ReadTask, how: "bounded" | "waits" = "bounded"): Promise<T> {
    if (how === "bounded" && this.pool.queueSize >= this.options.maxQueue)
      throw new UnavailableError("The history reader is saturated; retry shortly");
    const result = (await this.pool.run(task)) as TaskResult;
    if (result.ok) return result.value as T;
    throw Object.assign(new Error(result.message), { code: result.code });
  }

  /**
   * Takes one of the user's concurrent expensive reads (429 when all are taken); call the
   * returned function once when done (an export holds its slot until the stream ends).
   */
  acquire(userId: number): () => void {
    const n = this.active.get(userId) ?? 0;
    if (n >= this.options.perUser)
      throw new RateLimitedError(
        `At most ${this.options.perUser} history reads or exports at a time per user`,
      );
    this.active.set(userId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.active.get(userId) ?? 1) - 1;
      if (left <= 0) this.active.delete(userId);
      else this.active.set(userId, left);
    };
  }

  /** How many of the user's slots are taken (an abandoned export's is given back at once). */
  held(userId: number): number {
    return this.active.get(userId) ?? 0;
  }

  async limited<T>(userId: number, fn: () => Promise<T>): Promise<T> {
    const release = this.acquire(userId);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Resolves once a worker has loaded and connected (the first read should not pay for it). */
  async warm(): Promise<void> {
    await this.pool.run({ op: "oldest", seriesIds: [] } satisfies ReadTask);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
