// Draining lets go of every connection at once: a request in flight when close() begins is
// answered and its keep-alive connection closed with the answer, and a WebSocket upgrade that
// arrives while draining is refused with 503, and a connection opened ahead of a request that never
// came (a browser's preconnect) is closed. Each, left as it was, held close() until the
// keep-alive or idle timeout (set to ten minutes here, far past the spec's timeout).
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./harness.ts";

const TEN_MINUTES = 600_000;
let pb: TestApp | undefined;

afterEach(async () => {
  await pb?.close().catch(() => {});
  pb = undefined;
});

async function start(): Promise<TestApp> {
  pb = await startTestApp("sqlite", {
    config: { seedDemo: false, keepAliveTimeoutMs: TEN_MINUTES, idleTimeoutMs: TEN_MINUTES },
  });
  return pb;
}

/** A raw TCP connection that collects everything the server sends until it closes. */
function rawSocket(port: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      const answer = new Promise<string>((done) => {
        let text = "";
        socket.on("data", (d) => {
          text += d.toString("latin1");
        });
        socket.on("close", () => done(text));
      });
      resolve({ socket, answer });
    });
    socket.once("error", reject);
  });
}

/** The server's side of the next connection it accepts. */
function nextConnection(app: TestApp): Promise<Socket> {
  return new Promise((resolve) => app.pb.app.server.once("connection", resolve));
}

/** Resolves once the server has read something on `socket`: a request is in progress on it. */
async function busy(socket: Socket): Promise<void> {
  while (socket.bytesRead === 0) await new Promise((r) => setTimeout(r, 5));
}

describe("draining", () => {
  it("answers a request in flight, closes its keep-alive connection, and finishes closing", async () => {
    const app = await start();
    await app.createUser("dora");
    const token = await app.createToken("dora");
    const dash = (await app.api("POST", "/api/v1/dashboards", { token, body: { name: "Drain" } })).body.id;
    const metric = (
      await app.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        token,
        body: { name: "m", type: "gauge" },
      })
    ).body.id;
    const body = JSON.stringify({ points: [{ metric_id: metric, value: 7 }] });
    const inFlight = new Promise((resolve) => app.pb.app.server.once("request", resolve));
    const { socket, answer } = await rawSocket(app.port);
    socket.write(
      `POST /api/v1/ingest HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n` +
        body.slice(0, 10),
    );
    await inFlight; // headers read, body not yet: the request is in flight
    const closed = app.pb.close();
    socket.write(body.slice(10));
    const text = await answer; // the server closes the connection after its answer
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.toLowerCase()).toContain("connection: close");
    await closed;
    pb = undefined;
  });

  it("closes a connection on which no request ever began, and finishes closing", async () => {
    const app = await start();
    const accepted = nextConnection(app);
    const { answer } = await rawSocket(app.port);
    await accepted;
    const closed = app.pb.close();
    expect(await answer).toBe(""); // closed by the server, nothing sent: there was nothing to answer
    await closed;
    pb = undefined;
  });

  it("refuses a WebSocket upgrade that arrives while draining with 503, and finishes closing", async () => {
    const app = await start();
    const accepted = nextConnection(app);
    const { socket, answer } = await rawSocket(app.port);
    // The request line and part of the headers: the connection is busy, so close() keeps it.
    socket.write(`GET /ws/dashboard/1/ HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n`);
    await busy(await accepted);
    const closed = app.pb.close();
    socket.write(
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(text).toContain("Retry-After: 1");
    await closed;
    pb = undefined;
  });
});
