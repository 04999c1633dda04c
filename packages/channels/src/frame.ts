// A frame prepared for many recipients: serialized at most once (lazily, on first need) and
// turned into one Buffer shared by every socket it is sent to — the fan-out hot path.
export class PreparedFrame {
  #text: string | undefined;
  #data: Buffer | undefined;
  #wire: Buffer | undefined;
  #payload: unknown;
  #parsed: boolean;

  private constructor(
    readonly action: string,
    payload: unknown,
    text: string | undefined,
  ) {
    this.#payload = payload;
    this.#text = text;
    this.#parsed = text === undefined;
  }

  /** A frame to be serialized on first use. */
  static of(action: string, payload: unknown): PreparedFrame {
    return new PreparedFrame(action, payload, undefined);
  }

  /** A frame that arrived already serialized (e.g. from Redis); the payload is parsed on demand. */
  static fromText(action: string, text: string): PreparedFrame {
    return new PreparedFrame(action, undefined, text);
  }

  get payload(): unknown {
    if (!this.#parsed) {
      this.#payload = (JSON.parse(this.#text!) as { payload?: unknown }).payload ?? null;
      this.#parsed = true;
    }
    return this.#payload;
  }

  /** `{"action":…,"payload":…}` as JSON text, computed once. */
  get text(): string {
    this.#text ??= JSON.stringify({ action: this.action, payload: this.#payload ?? null });
    return this.#text;
  }

  /** The UTF-8 bytes of `text`, computed once and sent as-is to every socket. */
  get data(): Buffer {
    this.#data ??= Buffer.from(this.text);
    return this.#data;
  }

  /**
   * The whole WebSocket text frame (header + data), built once. A server's frames are not masked,
   * so these bytes are the same for every recipient and are written as-is to each socket.
   */
  get wire(): Buffer {
    this.#wire ??= encodeText(this.data);
    return this.#wire;
  }
}

/** One unmasked, unfragmented WebSocket text frame carrying `payload`. */
export function encodeText(payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x81; // FIN + text
  if (len < 126) out[1] = len;
  else if (len < 65536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(out, head);
  return out;
}
