// A minimal WebSocket client on a raw TCP socket for the load generator. The `ws` client costs
// more CPU per received frame than a lean server spends sending it, so on a shared 2-core
// machine it, not the server, would set the ceiling. This one parses frames in place (no
// per-frame Buffer or string for updates) and hands the caller byte ranges.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export type FrameHandler = (buf: Buffer, start: number, end: number) => void;

export type RawClientOptions = {
  port: number;
  path: string;
  headers: Record<string, string>;
  localAddress: string;
  onText: FrameHandler;
  onClose: (code: number, reason: string) => void;
};

export class RawWsClient {
  private socket: Socket;
  private pending: Buffer | undefined;
  private upgraded = false;
  closed = false;

  constructor(
    private opts: RawClientOptions,
    onOpen: () => void,
    onError: (err: Error) => void,
  ) {
    const key = randomBytes(16).toString("base64");
    const headerLines = Object.entries(opts.headers).map(([k, v]) => `${k}: ${v}\r\n`);
    this.socket = connect({ host: "127.0.0.1", port: opts.port, localAddress: opts.localAddress });
    this.socket.setNoDelay(true);
    this.socket.on("connect", () => {
      this.socket.write(
        `GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1:${opts.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${headerLines.join("")}\r\n`,
      );
    });
    this.socket.on("error", (err) => {
      if (!this.upgraded) onError(err);
    });
    this.socket.on("close", () => {
      if (!this.closed) {
        this.closed = true;
        if (this.upgraded) opts.onClose(1006, "connection lost");
        else onError(new Error("connection closed before the upgrade"));
      }
    });
    this.socket.on("data", (chunk: Buffer) => {
      let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      this.pending = undefined;
      if (!this.upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) {
          this.pending = buf;
          return;
        }
        const head = buf.toString("latin1", 0, end);
        if (!head.startsWith("HTTP/1.1 101")) {
          onError(
            new Error(
              `upgrade refused: ${head.split("\r\n")[0]} ${buf.toString("utf8", end + 4, end + 300)}`,
            ),
          );
          this.socket.destroy();
          return;
        }
        this.upgraded = true;
        onOpen();
        buf = buf.subarray(end + 4);
      }
      this.parse(buf);
    });
  }

  private parse(buf: Buffer): void {
    let at = 0;
    while (buf.length - at >= 2) {
      const b0 = buf[at] as number;
      const b1 = buf[at + 1] as number;
      const opcode = b0 & 0x0f;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - at < 10) break;
        len = Number(buf.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (buf.length - at < head + len) break;
      const start = at + head;
      const end = start + len;
      if (opcode === 1) this.opts.onText(buf, start, end);
      else if (opcode === 9) this.sendFrame(0x0a, buf.subarray(start, end));
      else if (opcode === 8) {
        const code = len >= 2 ? buf.readUInt16BE(start) : 1005;
        const reason = len > 2 ? buf.toString("utf8", start + 2, end) : "";
        this.closed = true;
        this.opts.onClose(code, reason);
        this.socket.end();
        return;
      }
      at = end;
    }
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
  }

  private sendFrame(opcode: number, payload: Buffer): void {
    const len = payload.length;
    const head = len < 126 ? 2 : 4;
    const frame = Buffer.allocUnsafe(head + 4 + len);
    frame[0] = 0x80 | opcode;
    if (len < 126) frame[1] = 0x80 | len;
    else {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(len, 2);
    }
    // A zero mask key is valid (RFC 6455 §5.3 only asks for unpredictability against proxies).
    frame.writeUInt32BE(0, head);
    payload.copy(frame, head + 4);
    this.socket.write(frame);
  }

  sendText(text: string): void {
    this.sendFrame(0x01, Buffer.from(text));
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  get open(): boolean {
    return this.upgraded && !this.closed;
  }
}
