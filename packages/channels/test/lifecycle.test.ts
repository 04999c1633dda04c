// Connection lifecycle and server introspection: onDisconnect, shutdown, upgrade routing for
// frameworks, and the schemas the AsyncAPI generator reads.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AuthenticationPayload,
  createChannelsServer,
  defineConsumer,
  Envelope,
  ErrorPayload,
  message,
  protocolMessages,
} from "../src/index.ts";
import { Communicator } from "../src/testing.ts";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

let app: Running<ReturnType<typeof roomConsumer>> | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe("lifecycle", () => {
  it("runs onDisconnect with the close code after the connection left its groups", async () => {
    const seen: Array<{ code: number; groups: number; size: number }> = [];
    const Base = roomConsumer();
    const Tracked = defineConsumer({
      ...Base.definition,
      onDisconnect: (ctx, close) => {
        seen.push({ code: close.code, groups: ctx.groups.size, size: app!.server.localGroupSize("room.1") });
      },
    });
    app = await start({ consumers: [Tracked] });
    const c = await app.connect("/ws/room/1/", { token: "token-ann" });
    await c.assertAuthenticated();
    await c.receive("welcome");
    await c.close(4100, "bye");
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([{ code: 4100, groups: 0, size: 0 }]);
  });

  it("does not run onDisconnect for a connection refused at the handshake", async () => {
    let calls = 0;
    const Tracked = defineConsumer({ ...roomConsumer().definition, onDisconnect: () => void calls++ });
    app = await start({ consumers: [Tracked] });
    const c = await app.connect("/ws/room/1/", { token: "bad" });
    expect((await c.closed).code).toBe(4001);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(0);
  });

  it("closes every connection with 1001 on server.close() and refuses upgrades afterwards", async () => {
    app = await start({ consumers: [roomConsumer()] });
    const c = await app.connect("/ws/room/1/", { token: "token-ann" });
    await c.assertAuthenticated();
    await app.server.close();
    expect(await c.closed).toEqual({ code: 1001, reason: "Server shutting down" });
    await expect(app.connect("/ws/room/1/", { token: "token-ann" })).rejects.toBeDefined();
  });

  it("keeps only the headers it is told to after the handshake (keptHeaders), and all by default", async () => {
    const Base = roomConsumer();
    let kept: { headers: object; cookies: object; token: string | null } | undefined;
    const Seeing = defineConsumer({
      ...Base.definition,
      onAuthenticated: async (ctx) => {
        kept = ctx.request;
        await Base.definition.onAuthenticated?.(ctx);
      },
    });
    const seen = async (keptHeaders?: string[]) => {
      const running = await start({ consumers: [Seeing], ...(keptHeaders ? { keptHeaders } : {}) });
      try {
        await joinRoom(running, {
          token: "token-ann",
          cookie: "theme=dark",
          headers: { "user-agent": "spec" },
        });
        return {
          headers: Object.keys(kept!.headers).sort(),
          cookies: Object.keys(kept!.cookies).length,
          token: kept!.token,
        };
      } finally {
        await running.stop();
      }
    };
    const all = await seen();
    expect(all.headers).toEqual(
      expect.arrayContaining(["authorization", "cookie", "user-agent", "sec-websocket-key"]),
    );
    expect(all.cookies).toBe(1);
    expect(all.token).toBe("token-ann");
    expect(await seen(["user-agent", "x-missing"])).toEqual({
      headers: ["user-agent"],
      cookies: 0,
      token: null,
    });
    expect(await seen([])).toEqual({ headers: [], cookies: 0, token: null });
  });

  it("lets a framework route upgrades itself: handleUpgrade returns false for paths it does not own", async () => {
    const server = createChannelsServer({ consumers: [roomConsumer()] });
    const http = createServer();
    const unmatched: string[] = [];
    http.on("upgrade", (req, socket, head) => {
      if (server.handleUpgrade(req, socket, head)) return;
      unmatched.push(req.url ?? "");
      socket.end("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n");
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const c = await Communicator.connect(`${base}/ws/room/1/`, { token: "token-ann" });
      await c.assertAuthenticated();
      await expect(Communicator.connect(`${base}/vite-hmr`)).rejects.toMatchObject({ status: 418 });
      expect(unmatched).toEqual(["/vite-hmr"]);
      await c.close();
    } finally {
      await server.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});

describe("introspection for AsyncAPI", () => {
  it("exposes each consumer's path and incoming, outgoing and event schemas", () => {
    const Room = roomConsumer();
    const server = createChannelsServer({ consumers: [Room], heartbeatMs: 0 });
    const [consumer] = server.consumers;
    expect(consumer?.path).toBe("/ws/room/:id/");
    expect(Object.keys(consumer?.incoming ?? {})).toContain("say");
    expect(Object.keys(consumer?.outgoing ?? {})).toContain("chat_message");
    expect(Object.keys(consumer?.events ?? {})).toEqual(["tick", "notice"]);
    expect(consumer?.incoming.say).toBeInstanceOf(z.ZodType);
    return server.close();
  });

  it("exports the built-in protocol messages as Zod schemas matching what the server sends", () => {
    expect(Object.keys(protocolMessages)).toEqual(["authentication", "error", "complete", "draining"]);
    expect(
      AuthenticationPayload.safeParse({ status_code: 200, status_text: "OK", data: { detail: "OK" } })
        .success,
    ).toBe(true);
    expect(ErrorPayload.safeParse([{ type: "invalid_type", loc: ["payload", "a"], msg: "x" }]).success).toBe(
      true,
    );
    expect(ErrorPayload.safeParse({ detail: "Malformed JSON" }).success).toBe(true);
    expect(Envelope.safeParse({ action: "", payload: 1 }).success).toBe(false);
  });

  it("attaches documentation to a message schema with message() for the AsyncAPI document", () => {
    const Chat = message(z.object({ text: z.string() }), {
      title: "Chat message",
      description: "One line of chat",
    });
    expect(Chat.meta()).toMatchObject({ title: "Chat message", description: "One line of chat" });
    expect(Chat.parse({ text: "hi" })).toEqual({ text: "hi" });
  });
});
