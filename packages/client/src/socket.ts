// The slice of the WebSocket API the client needs, satisfied by the browser's WebSocket and by
// `ws` in Node; and decoding of incoming frame data to text.

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake (for dead peers). */
  terminate?(): void;
  // `never` parameters let both the DOM and the `ws` handler signatures fit; we read what we need.
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export const OPEN = 1;

const decoder = new TextDecoder();

/** Frame data as text: strings pass through; binary frames are decoded as UTF-8. */
export function frameText(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return decoder.decode(data);
  if (ArrayBuffer.isView(data)) return decoder.decode(data);
  if (Array.isArray(data)) return data.map(frameText).join("");
  return String(data);
}
