// Owns the event loop's side of the SQLite writer thread (writer-worker.ts): each batch goes over
// as typed columns, its offsets come back once its transaction is committed. Commits (chunk
// encoding, inserts, the fsync) were a third to a half of the event loop's time under ingest, and
// a 5,000-point batch held it for tens of milliseconds, which every live update waited behind
// (fan-out p99 56× its baseline); on the second core they cost the event loop a postMessage.
// Answers come back in the order batches were sent, so publishing in answer order keeps commit
// (offset) order.
import { Worker } from "node:worker_threads";
import type { PointColumns } from "./write.ts";

export type WriteJob = PointColumns & { id: number };
export type WriterAnswer =
  | { id: number; ok: true; offsets: Float64Array }
  | { id: number; ok: false; code: string | undefined; message: string };

type Pending = { resolve: (offsets: Float64Array) => void; reject: (error: Error) => void };

export class StorageWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly ready: Promise<void>;
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private dead: Error | undefined;

  constructor(file: string) {
    this.worker = new Worker(new URL("./writer-worker.mjs", import.meta.url), { workerData: { file } });
    // The thread alone does not keep the process up: the server's listener and close() do.
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("message", () => resolve());
      this.worker.once("error", reject);
    });
    this.ready.catch(() => {}); // reported to every write through `dead`
    this.worker.on("message", (msg: WriterAnswer | { ready: true } | { closed: true }) => {
      if (!("id" in msg)) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.offsets);
      else p.reject(Object.assign(new Error(msg.message), { code: msg.code }));
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`storage writer thread exited (${code})`)));
  }

  /** A batch lost with its thread is unacknowledged, never reported as stored. */
  private fail(error: Error): void {
    this.dead ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  /** Commits the points; resolves with each point's offset once durable. */
  async write(cols: PointColumns): Promise<Float64Array> {
    if (this.dead) throw this.dead;
    if (this.closing) throw new Error("storage writer is closed");
    const id = this.nextId++;
    const job: WriteJob = { id, ...cols };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Columns are copied (structured clone): the caller's arrays stay usable.
      this.worker.postMessage(job);
    });
  }

  /** Resolves once the thread has opened its connection. */
  warm(): Promise<void> {
    return this.ready;
  }

  /** Commits what was sent, then closes the thread's connection and ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.dead) return;
      const closed = new Promise<void>((resolve) => {
        this.worker.on("message", (msg: { closed?: true }) => msg.closed && resolve());
        this.worker.once("exit", () => resolve());
      });
      this.worker.postMessage({ close: true });
      await closed;
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
