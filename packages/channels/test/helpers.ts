// Test harness: a real HTTP server on a random loopback port with a channels server attached,
// plus a fixture consumer used by most specs. Everything started here is stopped by `stop()`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import {
  type AnyConsumer,
  AuthResult,
  ChannelsError,
  type ChannelsServer,
  type ChannelsServerOptions,
  createChannelsServer,
  defineConsumer,
  type Logger,
} from "../src/index.ts";
import { Communicator, type ConnectOptions } from "../src/testing.ts";

export interface Running<C extends AnyConsumer> {
  server: ChannelsServer<C>;
  http: Server;
  port: number;
  url: (path: string) => string;
  connect: (path: string, options?: ConnectOptions) => Promise<Communicator>;
  logs: Array<{ level: string; obj: unknown; msg: string | undefined }>;
  stop: () => Promise<void>;
}

/** A logger that records instead of printing, so tests can assert what was logged. */
export function recordingLogger(logs: Running<AnyConsumer>["logs"]): Logger {
  const at = (level: string) => (obj: unknown, msg?: string) => void logs.push({ level, obj, msg });
  return { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}

export async function start<C extends AnyConsumer>(
  options: Omit<ChannelsServerOptions<C>, "logger">,
): Promise<Running<C>> {
  const logs: Running<C>["logs"] = [];
  const server = createChannelsServer({ ...options, logger: recordingLogger(logs) });
  const http = createServer((_req, res) => res.writeHead(404).end());
  server.attach(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  const url = (path: string) => `ws://127.0.0.1:${port}${path}`;
  const clients: Communicator[] = [];
  return {
    server,
    http,
    port,
    url,
    logs,
    connect: async (path, opts) => {
      const c = await Communicator.connect(url(path), opts);
      clients.push(c);
      return c;
    },
    stop: async () => {
      for (const c of clients) c.ws.terminate();
      await server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export type User = { id: number; name: string };
export type Room = { id: number; name: string; members: number[] };

export const users: Record<string, User> = {
  "token-ann": { id: 1, name: "ann" },
  "token-bob": { id: 2, name: "bob" },
  "token-eve": { id: 3, name: "eve" },
};
export const rooms: Record<number, Room> = {
  1: { id: 1, name: "general", members: [1, 2] },
  2: { id: 2, name: "private", members: [1] },
};

export const ChatMessage = z.object({ from: z.string(), text: z.string() });

/** The fixture: a chat room with token/cookie auth, object load, membership permission. */
export function roomConsumer(
  options: { sendCompletion?: boolean; slowAuthMs?: number; path?: `/ws/${string}/:id/` } = {},
) {
  return defineConsumer({
    path: options.path ?? "/ws/room/:id/",
    authenticators: [
      async (req) => {
        if (options.slowAuthMs) await new Promise((r) => setTimeout(r, options.slowAuthMs));
        return req.token ? (users[req.token] ?? null) : null;
      },
      (req) => (req.cookies.session ? (users[req.cookies.session] ?? null) : null),
    ],
    loadObject: (ctx) => rooms[Number(ctx.params.id)] ?? null,
    permissions: [
      (ctx) =>
        ctx.object.members.includes(ctx.user.id) || AuthResult.deny(403, "You are not a member of this room"),
    ],
    incoming: {
      ping: z.null().optional(),
      add: z.object({ a: z.number(), b: z.number() }),
      say: z.object({ text: z.string().min(1).max(500) }),
      fail: z.object({ kind: z.enum(["channels", "crash"]) }),
      join: z.string(),
      leave: z.string(),
      whoami: z.null().optional(),
    },
    outgoing: {
      pong: z.null(),
      sum: z.number(),
      chat_message: ChatMessage,
      welcome: z.object({ user: z.string(), room: z.string() }),
      me: z.object({ user: z.string(), groups: z.array(z.string()), seen: z.number() }),
      tick: z.object({ n: z.number() }),
    },
    events: { tick: z.object({ n: z.number().int() }), notice: z.object({ text: z.string() }) },
    sendCompletion: options.sendCompletion ?? false,
    state: () => ({ seen: 0, ticks: [] as number[] }),
    onAuthenticated: async (ctx) => {
      await ctx.join(`room.${ctx.object.id}`);
      ctx.send("welcome", { user: ctx.user.name, room: ctx.object.name });
    },
    handlers: {
      ping: () => ({ action: "pong", payload: null }),
      add: (p, ctx) => {
        ctx.state.seen++;
        return { action: "sum", payload: p.a + p.b };
      },
      say: async (p, ctx) => {
        await ctx.broadcast("chat_message", { from: ctx.user.name, text: p.text }, { excludeCurrent: true });
      },
      fail: (p) => {
        if (p.kind === "channels") throw new ChannelsError("That is not allowed here");
        throw new Error("secret internal detail");
      },
      join: (group, ctx) => ctx.join(group),
      leave: (group, ctx) => ctx.leave(group),
      whoami: (_p, ctx) => ({
        action: "me",
        payload: { user: ctx.user.name, groups: [...ctx.groups], seen: ctx.state.seen },
      }),
    },
    eventHandlers: {
      tick: (event, ctx, frame) => {
        ctx.state.ticks.push(event.n);
        if (event.n % 2 === 0) ctx.sendRaw(frame); // per-client filtering over the shared frame
      },
    },
  });
}

/** Joins a room of `roomConsumer` (default: ann in room 1), past the 200 handshake and the welcome. */
export async function joinRoom<C extends AnyConsumer>(
  app: Running<C>,
  options: ConnectOptions = { token: "token-ann" },
  room = 1,
): Promise<Communicator> {
  const c = await app.connect(`/ws/room/${room}/`, options);
  await c.assertAuthenticated();
  await c.receive("welcome");
  return c;
}
