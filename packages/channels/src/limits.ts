// Per-connection limits that need state: the message-rate token bucket and the slow-consumer
// watch over the socket's send buffer. Frame size is checked inline in connection.ts.

/** Allows bursts up to `messages`, refilled continuously at `messages / perMs`. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #capacity: number;
  readonly #perMs: number;

  constructor(messages: number, perMs: number) {
    this.#capacity = messages;
    this.#tokens = messages;
    this.#perMs = messages / perMs;
    this.#last = performance.now();
  }

  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token (0 when one is there). */
  get waitMs(): number {
    return this.#tokens >= 1 ? 0 : (1 - this.#tokens) / this.#perMs;
  }

  /** Refilled to capacity: forgetting it loses nothing (an idle key's bucket can be dropped). */
  get full(): boolean {
    return this.#tokens + (performance.now() - this.#last) * this.#perMs >= this.#capacity;
  }
}

/**
 * Watches `bufferedAmount` after each send: once over `maxBytes`, starts a grace timer; if the
 * buffer is still over when it fires, `onSlow` is called. Draining below the limit disarms it.
 */
export interface WatchedSender {
  readonly bufferedAmount: number;
  /** Still over the limit when the grace ran out. */
  sendBufferSlow(): void;
}

export class SendBufferWatch {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxBytes: number,
    private readonly graceMs: number,
    private readonly sender: WatchedSender,
  ) {}

  check(): void {
    if (this.#timer !== null || this.sender.bufferedAmount <= this.maxBytes) return;
    this.#timer = setTimeout(() => this.#expire(), this.graceMs);
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = null;
    if (this.sender.bufferedAmount > this.maxBytes) this.sender.sendBufferSlow();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
