// Communicator: a test client over a REAL socket (ws). Buffers every frame so a test can await
// the next one, a specific action, or everything until the line goes quiet.
import WebSocket, { type ClientOptions } from "ws";

export interface Frame {
  action: string;
  payload: unknown;
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  /** Sent as the Cookie header, e.g. "pb_session=abc". */
  cookie?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  origin?: string;
  /** Passed to the ws client (e.g. `{ autoPong: false }` to play a dead peer). */
  wsOptions?: ClientOptions;
}

export class Communicator {
  readonly ws: WebSocket;
  /** Resolves when the socket closes, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #queue: Frame[] = [];
  #wake: (() => void) | null = null;
  #isClosed = false;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? `<binary ${String((data as Buffer).length)} bytes>` : String(data);
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        frame = { action: "<non-json>", payload: text };
      }
      this.#queue.push(frame);
      this.#notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        this.#isClosed = true;
        this.#notify();
        resolve({ code, reason: String(reason) });
      });
    });
    ws.on("error", () => {}); // surfaced through `closed`
  }

  /** Opens a socket and resolves once it is open (rejects with the HTTP status if refused). */
  static connect(url: string, options: ConnectOptions = {}): Promise<Communicator> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const ws = new WebSocket(url, {
      headers,
      ...(options.origin ? { origin: options.origin } : {}),
      ...options.wsOptions,
    });
    const communicator = new Communicator(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(communicator));
      ws.once("unexpected-response", (_req, res) => {
        reject(
          Object.assign(new Error(`Upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }),
        );
        res.resume();
        ws.terminate();
      });
      ws.once("error", reject);
    });
  }

  sendMessage(action: string, payload?: unknown): void {
    this.ws.send(JSON.stringify(payload === undefined ? { action } : { action, payload }));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Next frame (or the first one with `action`; other frames stay queued). Rejects on timeout. */
  async receive(action?: string, timeoutMs = 2000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i =
        action === undefined
          ? this.#queue.length > 0
            ? 0
            : -1
          : this.#queue.findIndex((f) => f.action === action);
      if (i >= 0) return this.#queue.splice(i, 1)[0]!;
      if (this.#isClosed) throw new Error(`Socket closed while waiting for ${action ?? "a frame"}`);
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.#waitForActivity(left))) {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${action ?? "a frame"}`);
      }
    }
  }

  /** The next `n` frames, in order (each awaited; rejects like `receive`). */
  async receiveFrames(n: number, timeoutMs = 2000): Promise<Frame[]> {
    const frames: Frame[] = [];
    while (frames.length < n) frames.push(await this.receive(undefined, timeoutMs));
    return frames;
  }

  /**
   * Every frame up to and including the first with `action` (or `predicate`), in order. Rejects on
   * timeout or close, naming what came instead. Prefer it to `receiveAll` whenever the last frame
   * is known: it does not depend on how long the line stays quiet.
   */
  async receiveUntil(
    action: string,
    options: { timeoutMs?: number; predicate?: (frame: Frame) => boolean } = {},
  ): Promise<Frame[]> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const deadline = Date.now() + timeoutMs;
    const matches = (f: Frame) => f.action === action && (options.predicate?.(f) ?? true);
    for (;;) {
      const i = this.#queue.findIndex(matches);
      if (i >= 0) return this.#queue.splice(0, i + 1);
      const left = deadline - Date.now();
      if (this.#isClosed || left <= 0 || !(await this.#waitForActivity(left))) {
        const seen = this.#queue.map((f) => f.action).join(", ") || "nothing";
        const why = this.#isClosed ? "socket closed" : `timed out after ${timeoutMs} ms`;
        throw new Error(`${why} waiting for ${action}; received: ${seen}`);
      }
    }
  }

  /** Every frame received until nothing arrives for `quietMs`. */
  async receiveAll(quietMs = 200): Promise<Frame[]> {
    while (!this.#isClosed && (await this.#waitForActivity(quietMs))) {}
    return this.#queue.splice(0);
  }

  /** Expects the 200 authentication frame next; throws with what came instead. */
  async assertAuthenticated(timeoutMs = 2000): Promise<void> {
    const frame = await this.receive(undefined, timeoutMs);
    const payload = frame.payload as { status_code?: number } | null;
    if (frame.action !== "authentication" || payload?.status_code !== 200) {
      throw new Error(`Expected successful authentication, got ${JSON.stringify(frame)}`);
    }
  }

  /** True if the socket has not been closed. */
  get isOpen(): boolean {
    return !this.#isClosed;
  }

  async close(code = 1000, reason = ""): Promise<{ code: number; reason: string }> {
    if (!this.#isClosed) this.ws.close(code, reason);
    return this.closed;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Resolves true when a frame or close arrives, false after `ms` of silence. */
  #waitForActivity(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve(false);
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
