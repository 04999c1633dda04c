// Owns the event loop's side of the SQLite writer thread (writer-worker.ts): each batch goes over
// as typed columns and its offsets come back once its transaction is committed; upkeep
// (compaction, retention) runs there too and is driven from here. Commits (chunk encoding,
// inserts, the fsync) were a third to a half of the event loop's time under ingest, and a
// 5,000-point batch held it for tens of milliseconds, which every live update waited behind
// (fan-out p99 56× its baseline); on the second core they cost the event loop a postMessage.
// Answers come back in the order batches were sent, so publishing in answer order keeps commit
// (offset) order.
import { Worker } from "node:worker_threads";
import type { NewChunk } from "../db/schema.ts";
import { UnavailableError } from "../http/errors.ts";
import type { MergeRows, MergeTask, UpkeepOptions } from "./compact.ts";
import type { PointColumns } from "./write.ts";

export type WriteJob = PointColumns & { op: "write"; id: number };
export type ToWriter =
  | WriteJob
  | { op: "start" | "compact" | "close"; id: number }
  | { op: "retain"; id: number; now: number }
  | MergeAnswer;
/** A merge the thread asked for, done by `merge` (the read workers). */
export type MergeAnswer =
  | { op: "merged"; id: number; ok: true; rows: NewChunk[] }
  | { op: "merged"; id: number; ok: false; message: string };
export type MergeRequest = { merge: MergeTask; id: number };
export type WriterAnswer =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; code: string | undefined; message: string };
/** `mergeOutside`: the thread asks for each merge (MergeRequest) instead of doing it itself. */
export type WriterData = {
  file: string;
  upkeep: Omit<UpkeepOptions, "onError" | "merge">;
  mergeOutside: boolean;
};
type FromWriter = WriterAnswer | MergeRequest | { warn: string } | { ready: true } | { closed: true };

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** What the rest of the server drives upkeep with, wherever it runs. */
export type UpkeepControl = {
  start(): Promise<void>;
  /** One full compaction pass now (tests, CLI). */
  compactNow(): Promise<void>;
  /** Applies retention now (as of `now`); the number of chunks deleted. */
  retainNow(now?: number): Promise<number>;
};

export class StorageWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly ready: Promise<void>;
  private readonly closed: Promise<void>;
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private dead: Error | undefined;
  readonly upkeep: UpkeepControl;

  /**
   * `merge`: where compaction's merges run (the read workers): decoding, merging and deflating
   * chunks was a quarter of this thread's time under ingest, which commits waited behind.
   */
  constructor(data: Omit<WriterData, "mergeOutside">, warn: (message: string) => void, merge?: MergeRows) {
    this.worker = new Worker(new URL("./writer-worker.mjs", import.meta.url), {
      workerData: { ...data, mergeOutside: merge !== undefined } satisfies WriterData,
    });
    // The thread alone does not keep the process up: the server's listener and close() do.
    this.worker.unref();
    let ready!: () => void;
    let closed!: () => void;
    this.ready = new Promise((r) => {
      ready = r;
    });
    this.closed = new Promise((r) => {
      closed = r;
    });
    this.worker.on("message", (msg: FromWriter) => {
      if ("ready" in msg) ready();
      else if ("closed" in msg) closed();
      else if ("warn" in msg) warn(msg.warn);
      else if ("merge" in msg) this.mergeFor(msg, merge!);
      else {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(Object.assign(new Error(msg.message), { code: msg.code }));
      }
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => {
      this.fail(new Error(`storage writer thread exited (${code})`));
      ready();
      closed();
    });
    this.upkeep = {
      start: async () => {
        await this.request({ op: "start" });
      },
      compactNow: async () => {
        await this.request({ op: "compact" });
      },
      retainNow: async (now = Date.now()) => (await this.request({ op: "retain", now })) as number,
    };
  }

  private mergeFor({ merge: task, id }: MergeRequest, merge: MergeRows): void {
    merge(task).then(
      (rows) => this.worker.postMessage({ op: "merged", id, ok: true, rows } satisfies MergeAnswer),
      (error: unknown) =>
        this.worker.postMessage({
          op: "merged",
          id,
          ok: false,
          message: String((error as Error).message ?? error),
        } satisfies MergeAnswer),
    );
  }

  /**
   * A batch lost with its thread is unacknowledged, never reported as stored: its sender is told
   * to retry (503), as when the database cannot be reached.
   */
  private fail(cause: Error): void {
    this.dead ??= new UnavailableError(`The storage writer stopped (${cause.message}); retry later.`);
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }

  private request(msg: { op: "start" | "compact" } | { op: "retain"; now: number }): Promise<unknown>;
  private request(msg: PointColumns & { op: "write" }): Promise<unknown>;
  private request(msg: Omit<ToWriter, "id">): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing)
      return Promise.reject(new UnavailableError("Storage is closing; retry on another node."));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Columns are copied (structured clone): the caller's arrays stay usable.
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** Commits the points; resolves with each point's offset once durable. */
  async write(cols: PointColumns): Promise<Float64Array> {
    return (await this.request({ op: "write", ...cols })) as Float64Array;
  }

  /** Resolves once the thread has opened its connection. */
  warm(): Promise<void> {
    return this.ready;
  }

  /** Commits what was sent, stops upkeep, closes the thread's connection and ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.dead) {
        this.worker.postMessage({ op: "close", id: 0 });
        await this.closed;
      }
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
