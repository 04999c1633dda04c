// The chat room of the framework tutorial: its contract (which room, from the URL, and the messages
// each side may send, in Zod, declared once) and the consumer that keeps it (how a message reaches
// the rest of the room). It speaks
// the frames of the Chanx chat tutorial, so a client written for that tutorial works unchanged:
// `new_chat_message {message, name}` in, the same frame out to everyone else in the room.
import { defineConsumer, defineContract, message } from "@pulseboard/channels";
import { z } from "zod";

export const MAX_MESSAGE_LENGTH = 500;
// What Django Channels allows in a group name, so every room a client of the Chanx tutorial can
// join exists here too.
const ROOM = /^[A-Za-z0-9_.-]{1,99}$/;

const displayName = z.string().trim().min(1).max(32);

/** A chat message as both sides send it: the text and who wrote it. */
const chatMessage = z.object({
  message: z.string().trim().min(1).max(MAX_MESSAGE_LENGTH),
  name: displayName,
});

/** What a client may send: action → payload schema. */
const incoming = {
  new_chat_message: message(chatMessage, {
    description: "Post a message to the room; everyone else in it receives the same frame.",
    examples: [{ message: "Hello everyone!", name: "Alice" }],
  }),
  ping: z.null().optional(),
};

/** What the server sends: action → payload schema (for typing and the AsyncAPI document). */
const outgoing = {
  new_chat_message: message(chatMessage, {
    description: "A message someone else in the room posted, as they sent it.",
    examples: [{ message: "Hello everyone!", name: "Alice" }],
  }),
  pong: z.null(),
};

/** Server-side events delivered through the room's group (forwarded to clients as frames). */
const events = {
  notice: message(z.object({ room: z.string(), text: z.string(), at: z.iso.datetime() }), {
    description: 'Someone joined or left the room (`?name=` names them; otherwise "someone").',
  }),
};

export const roomGroup = (room: string) => `chat.${room}`;

/** What the endpoint promises; the AsyncAPI document is generated from it alone. */
export const chatContract = defineContract({
  path: "/ws/chat/:room/",
  name: "chat",
  params: { room: "Room name: up to 99 letters, digits, `-`, `_` or `.` (a Channels group name)." },
  incoming,
  outgoing,
  events,
});

export const ChatRoom = defineConsumer(chatContract, {
  // Anyone may join, as in the tutorial; `?name=` only names them in join/leave notices.
  authenticators: [(req) => ({ name: displayName.safeParse(req.query.get("name") ?? "").data ?? "someone" })],
  // Any other room name is "no such room" (authentication 404, close 4004).
  loadObject: ({ params }) => (ROOM.test(params.room) ? { room: params.room } : null),
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
    // Everyone else in the room gets the frame as it came; the sender already shows its own.
    new_chat_message: async (payload, ctx) => {
      await ctx.broadcast("new_chat_message", payload, { excludeCurrent: true });
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
