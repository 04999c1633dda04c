// Owns the way frames leave one connection: write coalescing and slow-consumer handling.
//
// Coalescing: frames sent during one turn of the event loop are queued and written together
// at the next check phase (setImmediate) with the socket corked, so N frames for one client
// become one writev instead of N. The wire format is unchanged (one JSON message per frame);
// under load, when many broadcasts land in one turn, the syscall per frame — the dominant cost
// of fan-out on loopback — is paid once per client per turn.
//
// Slow consumers: while the socket's send buffer holds more than `holdAboveBytes`, frames stay
// here instead of piling up in the socket. Frames with a conflation key (e.g. metric_update by
// metric id) replace the held frame with the same key — the latest value wins. When the buffer
// drains the held frames go out in order. A connection that stays behind for `graceMs` (or
// holds more than `maxHeldFrames` frames) is reported through `onSlow` (close 4008).
import type { Socket } from "node:net";
import type WebSocket from "ws";
import { flushOutboxSoon } from "./flush-phase.ts";
import { encodeText, type PreparedFrame } from "./frame.ts";
import type { ChannelsStats } from "./stats.ts";

export type ConflationKey = (frame: PreparedFrame) => string | number | undefined;

/** Shared by every connection of one consumer on one server (no per-connection copy). */
export type OutboxOptions = {
  /** Start holding (and conflating) above this many unsent bytes in the socket. */
  holdAboveBytes: number;
  /** Behind for longer than this → onSlow. */
  graceMs: number;
  /** Held frames beyond this (frames that cannot be conflated) → onSlow at once. */
  maxHeldFrames: number;
  conflationKey: ConflationKey | undefined;
  /** Counts frames and bytes written and frames conflated (the server's, shared by all). */
  stats?: ChannelsStats;
};

/**
 * What the outbox tells its connection. Methods of the connection itself, not closures: an idle
 * connection then carries no per-connection callback objects (at 19,000 connections they added up).
 */
export interface OutboxOwner {
  /** Behind for longer than `graceMs` ("time") or more than `maxHeldFrames` held ("held"): close it (4008). */
  outboxSlow(why: "time" | "held"): void;
  /** After frames were handed to the socket (once per flush, not per frame). */
  outboxWritten(): void;
  /** The peer fell behind: frames are held from now on (the connection leaves shared batches). */
  outboxBehind(): void;
  /** A flush left nothing queued and the peer is keeping up (it may take shared batches again). */
  outboxIdle(): void;
}

type Item = PreparedFrame | string;
const TEXT = { binary: false } as const;
const RETRY_MS = 20;
const CHUNK_BYTES = 64 * 1024;
// PB_CHANNELS_COALESCE=0 writes every frame at once (bench/ A/B runs; see docs/BENCHMARKS.md).
const COALESCE = process.env.PB_CHANNELS_COALESCE !== "0";

function wireBytes(item: Item): Buffer {
  return typeof item === "string" ? encodeText(Buffer.from(item)) : item.wire;
}

export class Outbox {
  #queue: Item[] = [];
  #queued = false;
  #behindSince = 0;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #socket: Socket | undefined;
  readonly #direct: boolean;
  #upgradeHeld: boolean;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: OutboxOptions,
    private readonly owner: OutboxOwner,
  ) {
    // ws keeps its net.Socket here. Without a negotiated extension (no permessage-deflate) ws
    // writes each frame straight to it, so writing our pre-framed bytes there keeps frames whole
    // and in order; otherwise every frame goes through ws.send.
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    this.#direct = socket !== undefined && ws.extensions === "";
    this.#socket = socket;
    this.#upgradeHeld = socket !== undefined && socket.writableCorked > 0;
  }

  /**
   * The server corks the socket before ws writes the 101, so the answer to the upgrade leaves
   * with the first frames (one write, one packet). Released at the first write, at close, or by
   * the server when the handshake has to wait for its turn.
   */
  releaseUpgrade(): void {
    if (!this.#upgradeHeld) return;
    this.#upgradeHeld = false;
    this.#socket?.uncork();
  }

  /** False when frames must go through ws.send (an extension was negotiated): no shared batches. */
  get direct(): boolean {
    return this.#direct;
  }

  /**
   * Writes a shared batch (complete frames, shared-fanout.ts) straight to the socket. False when it
   * must not: frames are queued or held here, the peer is not keeping up, or the batch would take
   * the socket past the hold threshold (a 10,000-point ingest is ~4 MB in one turn) — the caller
   * then hands this outbox the frames one by one, which writes what the peer takes and holds and
   * conflates the rest, as for any frame.
   */
  writeShared(bytes: Buffer, frames: number): boolean {
    if (this.#closed || this.ws.readyState !== 1) return true; // gone: nothing to deliver
    if (!this.#direct || this.#queue.length > 0 || this.#behindSince !== 0) return false;
    if (this.ws.bufferedAmount + bytes.length > this.options.holdAboveBytes) return false;
    this.#socket?.write(bytes);
    this.releaseUpgrade();
    const stats = this.options.stats;
    if (stats) {
      stats.framesSent += frames;
      stats.bytesSent += bytes.length;
    }
    this.owner.outboxWritten();
    return true;
  }

  /** Frames not yet handed to the socket. */
  get held(): number {
    return this.#queue.length;
  }

  /** True while frames are held back because the peer is not reading fast enough. */
  get behind(): boolean {
    return this.#behindSince !== 0;
  }

  enqueue(item: Item): void {
    if (this.#closed) return;
    // Serialize now (once per broadcast, shared by every recipient), not at flush time.
    if (typeof item !== "string") void item.data;
    if (this.#behindSince !== 0 && typeof item !== "string") this.#conflate(item);
    else this.#queue.push(item);
    if (this.#behindSince !== 0) {
      if (this.#queue.length > this.options.maxHeldFrames) this.#slow("held");
      return; // the retry timer flushes once the socket drains
    }
    if (!COALESCE) {
      this.flush();
      return;
    }
    if (!this.#queued) {
      this.#queued = true;
      flushOutboxSoon(this);
    }
  }

  /** Writes what the socket can take now (also called before a close, so nothing is reordered). */
  flush(): void {
    try {
      this.#flush();
    } finally {
      // After the first frames (they leave with the 101); or a close with nothing queued, whose
      // frame must not wait.
      this.releaseUpgrade();
    }
  }

  #flush(): void {
    this.#queued = false;
    if (this.#closed || this.#queue.length === 0) return;
    if (this.ws.readyState !== 1) {
      this.#queue.length = 0;
      return;
    }
    if (this.ws.bufferedAmount > this.options.holdAboveBytes) {
      this.#hold();
      return;
    }
    // Corked chunks of ~64 KiB: each uncork is one writev, and between chunks the kernel's
    // answer shows whether the peer keeps up; the rest is held once it does not.
    const queue = this.#queue;
    const socket = this.#socket;
    let i = 0;
    while (i < queue.length) {
      if (i > 0 && this.ws.bufferedAmount > this.options.holdAboveBytes) break;
      let bytes = 0;
      socket?.cork();
      try {
        while (i < queue.length && bytes < CHUNK_BYTES) {
          const item = queue[i++] as Item;
          if (this.#direct && socket) {
            const wire = wireBytes(item);
            bytes += wire.length;
            socket.write(wire);
          } else {
            const data = typeof item === "string" ? item : item.data;
            bytes += data.length;
            this.ws.send(data, TEXT);
          }
        }
      } finally {
        socket?.uncork();
      }
      if (this.options.stats) this.options.stats.bytesSent += bytes;
    }
    this.owner.outboxWritten();
    const stats = this.options.stats;
    if (stats) stats.framesSent += i;
    if (i < queue.length) {
      this.#queue = queue.slice(i);
      this.#hold();
      return;
    }
    this.#queue = [];
    if (this.#behindSince !== 0) this.#caughtUp();
    this.owner.outboxIdle();
  }

  /** The connection is gone: drop everything, stop timers. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
  }

  #hold(): void {
    if (this.#behindSince === 0) {
      this.#behindSince = performance.now();
      // Frames queued before falling behind may already contain several values per key.
      const queue = this.#queue;
      this.#queue = [];
      for (const item of queue) typeof item === "string" ? this.#queue.push(item) : this.#conflate(item);
      this.owner.outboxBehind();
    } else if (performance.now() - this.#behindSince > this.options.graceMs) {
      this.#slow("time");
      return;
    }
    if (this.#retry === null) {
      this.#retry = setTimeout(() => {
        this.#retry = null;
        this.flush();
      }, RETRY_MS);
      this.#retry.unref();
    }
  }

  #caughtUp(): void {
    this.#behindSince = 0;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
  }

  /** Replaces a held frame with the same conflation key, or appends. */
  #conflate(frame: PreparedFrame): void {
    const key = this.options.conflationKey?.(frame);
    if (key !== undefined) {
      const queue = this.#queue;
      for (let i = 0; i < queue.length; i++) {
        const held = queue[i];
        if (
          typeof held !== "string" &&
          held !== undefined &&
          held.action === frame.action &&
          this.options.conflationKey?.(held) === key
        ) {
          queue[i] = frame;
          if (this.options.stats) this.options.stats.conflated++;
          return;
        }
      }
    }
    this.#queue.push(frame);
  }

  #slow(why: "time" | "held"): void {
    this.close();
    this.owner.outboxSlow(why);
  }
}
