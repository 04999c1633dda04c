// Abuse limits of a default install, over real sockets: the Host allow-list (DNS rebinding) and
// the WebSocket Origin check against it, HTTP timeouts for slow headers and bodies, the
// per-address socket cap, WebSocket caps (per user, handshake rate per address) and REST /
// ingest rate limits answering 429 with Retry-After — one budget per user, per token on ingest.
import { request } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { Communicator } from "@pulseboard/channels/testing";
import { startRedis } from "@pulseboard/test-support";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Config } from "../src/config/config.ts";
import { allStoredValues, createTestDatabase, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp | undefined;
const sockets: Socket[] = [];
const clients: Communicator[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of clients.splice(0)) c.ws.terminate();
  await t?.close();
  t = undefined;
});

async function app(config: Partial<Config> = {}) {
  t = await startTestApp("sqlite", { config });
  return t;
}

/** A request with a Host header of our choosing (fetch would not let us set it). */
function raw(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = "GET",
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", path, method, headers }, (res) => {
      let text = "";
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** An upgrade request; resolves with the HTTP status (101 when it became a WebSocket). */
function upgrade(port: number, headers: Record<string, string>, path = "/ws/dashboard/1/") {
  return new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
    const req = request({
      port,
      host: "127.0.0.1",
      path,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        ...headers,
      },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ status: 101, retryAfter: undefined });
    });
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined });
    });
    req.on("error", reject);
    req.end();
  });
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
    sockets.push(s);
  });
}

/** Everything the server sends until it closes the socket. */
function untilClosed(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    s.on("data", (d) => {
      text += d;
    });
    s.on("close", () => resolve(text));
  });
}

describe("Host allow-list (DNS rebinding)", () => {
  it("refuses a request naming another host with 421 before routing: no login happens", async () => {
    const a = await app();
    await a.createUser("demo", "demo-password-1");
    const login = JSON.stringify({ username: "demo", password: "demo-password-1" });
    const headers = { host: `rebind.attacker.example:${a.port}`, "content-type": "application/json" };
    const refused = await raw(a.port, "/api/v1/auth/login", headers, "POST", login);
    expect(refused.status).toBe(421);
    expect(JSON.parse(refused.body).error.code).toBe("PB_ERR_HOST_NOT_ALLOWED");
    expect(refused.headers["set-cookie"]).toBeUndefined();
    for (const path of ["/api/v1/health", "/api/v1/dashboards", "/", "/asyncapi.json"])
      expect((await raw(a.port, path, { host: "rebind.attacker.example" })).status).toBe(421);
    for (const host of [`127.0.0.1:${a.port}`, `localhost:${a.port}`, "LOCALHOST"]) {
      const ok = await raw(a.port, "/api/v1/auth/login", { ...headers, host }, "POST", login);
      expect(ok.status).toBe(200);
    }
  });

  it("refuses a WebSocket upgrade naming another host with 421, whatever its Origin", async () => {
    const a = await app();
    await a.createUser("demo", "demo-password-1");
    const token = await a.createToken("demo");
    const evil = `rebind.attacker.example:${a.port}`;
    expect(
      (await upgrade(a.port, { host: evil, origin: `http://${evil}`, authorization: `Bearer ${token}` }))
        .status,
    ).toBe(421);
  });

  it("honours PULSEBOARD_ALLOWED_HOSTS and the public URL instead of the loopback names", async () => {
    const a = await app({ allowedHosts: ["dash.example.org"] });
    expect((await raw(a.port, "/asyncapi.json", { host: "dash.example.org:443" })).status).toBe(200);
    expect((await raw(a.port, "/asyncapi.json", { host: "localhost" })).status).toBe(421);
    await a.close();
    const b = await app({ publicUrl: "https://pulse.example.com" });
    expect((await raw(b.port, "/asyncapi.json", { host: "pulse.example.com" })).status).toBe(200);
    expect((await raw(b.port, "/asyncapi.json", { host: "127.0.0.1" })).status).toBe(421);
  });
});

describe("WebSocket Origin check against the allowed hosts, never the Host header", () => {
  it("admits the server's own origins and refuses a rebinding page's or another local port's with 403", async () => {
    const a = await app();
    await a.createUser("demo", "demo-password-1");
    const session = await a.login("demo", "demo-password-1");
    const cookie = `pb_session=${session.cookie}`;
    const host = `127.0.0.1:${a.port}`;
    for (const origin of [`http://127.0.0.1:${a.port}`, `http://localhost:${a.port}`])
      expect((await upgrade(a.port, { host, origin, cookie }, "/ws/dashboard/99/")).status).toBe(101);
    // A rebinding page that also controls Host (to an allowed name): its Origin still gives it away.
    for (const origin of [
      `http://rebind.attacker.example:${a.port}`,
      `http://localhost:${a.port + 1}`,
      "null",
    ])
      expect((await upgrade(a.port, { host, origin, cookie }, "/ws/dashboard/99/")).status).toBe(403);
  });
});

describe("HTTP timeouts", () => {
  it("answers a body that never finishes with 408 and closes the connection", async () => {
    const a = await app({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    const s = await openSocket(a.port);
    const answer = untilClosed(s);
    s.write(
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${a.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    );
    expect(await answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes a connection whose headers never finish", async () => {
    const a = await app({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    const s = await openSocket(a.port);
    const answer = untilClosed(s);
    s.write(`GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
    expect(await answer).toMatch(/^HTTP\/1\.1 408|^$/);
    expect(s.destroyed || s.readyState === "closed").toBe(true);
  });
});

describe("open sockets per address", () => {
  it("answers 429 to a connection over the cap, serves again once one closes, and does not count WebSockets", async () => {
    const a = await app({ maxSocketsPerAddress: 3 });
    await a.createUser("demo", "demo-password-1");
    const token = await a.createToken("demo");
    const dash = (await a.api("POST", "/api/v1/dashboards", { token, body: { name: "D" } })).body.id;
    // WebSockets are counted per user instead: these three do not use up the address's slots.
    for (let i = 0; i < 3; i++) {
      const c = await Communicator.connect(`${a.wsUrl}/ws/dashboard/${dash}/`, { token });
      clients.push(c);
      await c.assertAuthenticated();
    }
    const idle = [await openSocket(a.port), await openSocket(a.port), await openSocket(a.port)];
    const over = await openSocket(a.port);
    expect(await untilClosed(over)).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\nRetry-After: 1/);
    idle[0]?.destroy();
    await vi.waitFor(
      async () => expect((await raw(a.port, "/asyncapi.json", { host: "127.0.0.1" })).status).toBe(200),
      {
        timeout: 3000,
        interval: 50,
      },
    );
  });
});

describe("WebSocket caps", () => {
  it("refuses a user's connection over the per-user cap with authentication 429 and close 4029", async () => {
    const a = await app({ wsMaxPerUser: 2 });
    await a.createUser("demo", "demo-password-1");
    await a.createUser("other", "other-password-1");
    const token = await a.createToken("demo");
    const otherToken = await a.createToken("other");
    const dash = (await a.api("POST", "/api/v1/dashboards", { token, body: { name: "D" } })).body.id;
    await a.addMember(dash, "other", "viewer", { token });
    const url = `${a.wsUrl}/ws/dashboard/${dash}/`;
    for (const tk of [token, token, otherToken]) {
      const c = await Communicator.connect(url, { token: tk });
      clients.push(c);
      await c.assertAuthenticated();
    }
    const over = await Communicator.connect(url, { token });
    clients.push(over);
    const auth = await over.receive("authentication");
    expect(auth.payload).toMatchObject({ status_code: 429 });
    expect((await over.closed).code).toBe(4029);
  });

  it("refuses handshakes from one address beyond the per-minute rate with HTTP 429 and Retry-After", async () => {
    const a = await app({ wsHandshakesPerMinute: 3 });
    const host = `127.0.0.1:${a.port}`;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await upgrade(a.port, { host }));
    expect(answers.map((x) => x.status)).toEqual([101, 101, 101, 429, 429]);
    expect(Number(answers[4]?.retryAfter)).toBeGreaterThanOrEqual(1);
  });
});

describe("REST and ingest rate limits", () => {
  it("answers a user's calls over the per-minute budget with 429, Retry-After and the error shape; others go on", async () => {
    const a = await app({ apiRequestsPerMinute: 4 });
    await a.createUser("demo", "demo-password-1");
    await a.createUser("other", "other-password-1");
    const token = await a.createToken("demo");
    const second = await a.createToken("demo", "second");
    const other = await a.createToken("other");
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await a.api("GET", "/api/v1/dashboards", { token })).status);
    // A second token of the same user shares the user's budget.
    statuses.push((await a.api("GET", "/api/v1/dashboards", { token: second })).status);
    const over = await a.api("GET", "/api/v1/dashboards", { token: second });
    expect([...statuses, over.status]).toEqual([200, 200, 200, 200, 429]);
    expect(over.body.error.code).toBe("PB_ERR_RATE_LIMITED");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await a.api("GET", "/api/v1/dashboards", { token: other })).status).toBe(200);
    // Anonymous callers are counted per address, apart from the users.
    expect((await a.api("GET", "/api/v1/auth/me")).status).toBe(401);
  });

  it("holds a refused call's 429 for the configured delay: another user's call sent after it is answered first", async () => {
    const a = await app({ apiRequestsPerMinute: 1, rateLimitDelayMs: 3000 });
    await a.createUser("demo", "demo-password-1");
    await a.createUser("other", "other-password-1");
    const token = await a.createToken("demo");
    const other = await a.createToken("other");
    expect((await a.api("GET", "/api/v1/dashboards", { token })).status).toBe(200);
    const order: string[] = [];
    const refused = a.api("GET", "/api/v1/dashboards", { token }).then((r) => order.push(`demo ${r.status}`));
    // Unheld, the refusal would be back long before this next call is even sent.
    await new Promise((r) => setTimeout(r, 300));
    const allowed = a
      .api("GET", "/api/v1/dashboards", { token: other })
      .then((r) => order.push(`other ${r.status}`));
    await Promise.all([refused, allowed]);
    expect(order).toEqual(["other 200", "demo 429"]);
  });

  it("limits ingest per token: a program over its budget gets 429 and nothing of that call is stored", async () => {
    const a = await app({ ingestRequestsPerMinute: 2 });
    await a.createUser("demo", "demo-password-1");
    const token = await a.createToken("demo");
    const second = await a.createToken("demo", "second");
    const dash = (await a.api("POST", "/api/v1/dashboards", { token, body: { name: "D" } })).body.id;
    const metric = (
      await a.api("POST", `/api/v1/dashboards/${dash}/metrics`, { token, body: { name: "m", type: "gauge" } })
    ).body.id;
    const post = (tk: string, value: number) =>
      a.api("POST", "/api/v1/ingest", { token: tk, body: { points: [{ metric_id: metric, value }] } });
    expect([
      (await post(token, 1)).status,
      (await post(token, 2)).status,
      (await post(token, 3)).status,
    ]).toEqual([200, 200, 429]);
    expect((await post(second, 4)).status).toBe(200);
    expect(await allStoredValues(a)).toEqual([1, 2, 4]);
  });

  it("shares one budget across the nodes of a cluster when the counts live in Redis", async () => {
    const redisServer = await startRedis();
    const database = await createTestDatabase("sqlite");
    const clients = [new Redis(redisServer.url), new Redis(redisServer.url)];
    const config = { apiRequestsPerMinute: 4 };
    const nodes = [
      await startTestApp("sqlite", { database, config, build: { redis: clients[0] } }),
      await startTestApp("sqlite", { database, config, build: { redis: clients[1] } }),
    ];
    try {
      await nodes[0]!.createUser("demo", "demo-password-1");
      const token = await nodes[0]!.createToken("demo");
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await nodes[i % 2]!.api("GET", "/api/v1/dashboards", { token })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      for (const n of nodes) await n.close();
      for (const c of clients) c.disconnect();
      await database.destroy();
      await redisServer.stop();
    }
  });
});
