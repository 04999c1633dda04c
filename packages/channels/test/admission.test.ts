// Connection admission: per-address caps on handshakes in flight and on the handshake rate
// (HTTP 429 with Retry-After before the upgrade), and a per-user cap on open connections
// (authentication 429, close 4029), each counted down again when sockets go.
import { request } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<ReturnType<typeof roomConsumer>> | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** A raw upgrade request; resolves with the HTTP status and Retry-After of a refusal (101 if accepted). */
function upgrade(
  port: number,
  path: string,
  localAddress?: string,
): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: "127.0.0.1",
      path,
      ...(localAddress ? { localAddress } : {}),
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        authorization: "Bearer token-ann",
      },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ status: 101, retryAfter: undefined });
    });
    req.on("response", (res) => {
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined });
      res.resume();
    });
    req.on("error", reject);
    req.end();
  });
}

describe("handshake rate per address", () => {
  it("refuses upgrades beyond the burst with HTTP 429 and Retry-After, before upgrading", async () => {
    app = await start({ consumers: [Room], handshakeRate: { handshakes: 3, perMs: 60_000 } });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await upgrade(app.port, "/ws/room/1/"));
    expect(answers.map((a) => a.status)).toEqual([101, 101, 101, 429, 429]);
    expect(Number(answers[3]?.retryAfter)).toBeGreaterThanOrEqual(1);
  });
});

describe("a held refusal", () => {
  it("writes the 429 only after refusalDelayMs: an upgrade within the rate, sent later, is answered first", async () => {
    app = await start({
      consumers: [Room],
      handshakeRate: { handshakes: 1, perMs: 60_000 },
      refusalDelayMs: 3000,
    });
    expect((await upgrade(app.port, "/ws/room/1/")).status).toBe(101);
    const order: string[] = [];
    const refused = upgrade(app.port, "/ws/room/1/").then((a) => order.push(`over ${a.status}`));
    // Unheld, the refusal would be back long before this one is sent. It comes from another
    // address (127.0.0.2), whose own budget is untouched.
    await new Promise((r) => setTimeout(r, 300));
    const other = upgrade(app.port, "/ws/room/1/", "127.0.0.2").then((a) => order.push(`other ${a.status}`));
    await Promise.all([refused, other]);
    expect(order).toEqual(["other 101", "over 429"]);
  });
});

describe("handshakes in flight per address", () => {
  it("refuses a further upgrade while the cap's handshakes are still running, and admits once they settle", async () => {
    const Slow = roomConsumer({ slowAuthMs: 400 });
    app = await start({ consumers: [Slow], maxPendingPerAddress: 2 });
    const running = app;
    const first = running.connect("/ws/room/1/", { token: "token-ann" });
    const second = running.connect("/ws/room/1/", { token: "token-ann" });
    // Both are in their (slow) handshake: a third from the same address is refused.
    await vi.waitFor(async () => expect((await upgrade(running.port, "/ws/room/1/")).status).toBe(429), {
      timeout: 2000,
      interval: 50,
    });
    await (await first).assertAuthenticated();
    await (await second).assertAuthenticated();
    const third = await running.connect("/ws/room/1/", { token: "token-ann" });
    await third.assertAuthenticated();
  });
});

describe("open connections per user", () => {
  it("refuses the connection over the cap with authentication 429 and close 4029; a slot frees on close", async () => {
    app = await start({
      consumers: [Room],
      maxConnectionsPerUser: 2,
      userKey: (user) => (user as { id: number }).id,
    });
    const a = await joinRoom(app);
    await joinRoom(app);
    await joinRoom(app, { token: "token-bob" }); // another user is not affected
    const over = await app.connect("/ws/room/1/", { token: "token-ann" });
    const auth = await over.receive("authentication");
    expect(auth.payload).toMatchObject({ status_code: 429 });
    expect(JSON.stringify(auth.payload)).toMatch(/Too many open connections/);
    expect((await over.closed).code).toBe(4029);
    await a.close();
    const running = app;
    await vi.waitFor(() => expect(running.server.connectionCount).toBe(2), { timeout: 2000, interval: 20 });
    await joinRoom(app);
  });
});
