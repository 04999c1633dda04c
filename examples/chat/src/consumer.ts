// The chat room consumer: who may join (a display name), which room (from the URL), the messages
// each side may send (Zod, declared once), and how a message reaches the rest of the room.
import { AuthResult, defineConsumer } from "@pulseboard/channels";
import { z } from "zod";

export const MAX_MESSAGE_LENGTH = 500;
const ROOM = /^[a-z0-9][a-z0-9-]{0,31}$/;

const name = z.string().trim().min(1).max(32);

/** What a client may send: action → payload schema. */
export const incoming = {
  message: z.object({ text: z.string().trim().min(1).max(MAX_MESSAGE_LENGTH) }),
  ping: z.null().optional(),
};

/** What the server sends: action → payload schema (for typing and the AsyncAPI document). */
export const outgoing = {
  message: z.object({ from: z.string(), text: z.string(), at: z.iso.datetime() }),
  pong: z.null(),
};

/** Server-side events delivered through the room's group (forwarded to clients as frames). */
export const events = {
  notice: z.object({ room: z.string(), text: z.string(), at: z.iso.datetime() }),
};

export const roomGroup = (room: string) => `chat.${room}`;

export const ChatRoom = defineConsumer({
  path: "/ws/chat/:room/",
  // The display name comes from ?name=; no name, no entry (authentication 401, close 4001).
  authenticators: [
    (req) => {
      const parsed = name.safeParse(req.query.get("name") ?? "");
      return parsed.success
        ? { name: parsed.data }
        : AuthResult.deny(401, "Pass your display name as ?name=");
    },
  ],
  // A room name that is not a short slug is "no such room" (authentication 404, close 4004).
  loadObject: ({ params }) => (ROOM.test(params.room) ? { room: params.room } : null),
  incoming,
  outgoing,
  events,
  onAuthenticated: async (ctx) => {
    await ctx.join(roomGroup(ctx.object.room));
    await ctx.groupSend(
      roomGroup(ctx.object.room),
      "notice",
      { room: ctx.object.room, text: `${ctx.user.name} joined`, at: new Date().toISOString() },
      { excludeCurrent: true },
    );
  },
  handlers: {
    message: async ({ text }, ctx) => {
      // Everyone else in the room; the sender already shows its own message.
      await ctx.broadcast(
        "message",
        { from: ctx.user.name, text, at: new Date().toISOString() },
        { excludeCurrent: true },
      );
    },
    ping: () => ({ action: "pong", payload: null }),
  },
  onDisconnect: async (ctx) => {
    // Our own membership is already gone, so this reaches only the ones who stay.
    await ctx.groupSend(roomGroup(ctx.object.room), "notice", {
      room: ctx.object.room,
      text: `${ctx.user.name} left`,
      at: new Date().toISOString(),
    });
  },
});
