// Specification of the AsyncAPI 3.0 generator: the document is derived from the consumers' Zod
// schemas and is valid for the official parser (@asyncapi/parser) with zero error diagnostics.
import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type ConsumerSpec, exampleOf, generateAsyncApi } from "../src/asyncapi.ts";
import { defineConsumer, message } from "../src/index.ts";

const room: ConsumerSpec = {
  name: "chat",
  path: "/ws/chat/:room/",
  params: { room: "Room name" },
  incoming: { message: z.object({ text: z.string().min(1).max(500) }), ping: z.null().optional() },
  outgoing: {
    message: z.object({ from: z.string(), text: z.string() }),
    pong: z.object({ action: z.literal("pong"), payload: z.null().optional() }),
  },
  events: {
    notice: z.object({ text: z.string(), at: z.iso.datetime() }),
    kick: message(z.object({ user: z.string() }), { internal: true }),
  },
  sendCompletion: true,
};

const dashboard: ConsumerSpec = {
  name: "dashboard",
  path: "/ws/dashboard/{id}/",
  incoming: {
    subscribe: z.object({ action: z.literal("subscribe"), payload: z.array(z.number().int().positive()) }),
  },
  outgoing: {},
};

const doc = generateAsyncApi({ title: "Test", version: "1.0.0", consumers: [room, dashboard] });
// biome-ignore lint/suspicious/noExplicitAny: the tests walk free-form JSON
type Any = Record<string, any>;
const d = doc as Any;

async function parse(document: unknown) {
  const parser = new Parser();
  return parser.parse(JSON.stringify(document));
}

describe("AsyncAPI generator", () => {
  it("produces a document the official parser accepts with no error diagnostics", async () => {
    const { document, diagnostics } = await parse(doc);
    const errors = diagnostics.filter((x) => x.severity === 0);
    expect(errors.map((e) => `${e.code}: ${e.message} at ${e.path.join(".")}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(
      document!
        .channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(["/ws/chat/{room}/", "/ws/dashboard/{id}/"]);
  });

  it("turns :param and {param} routes into addressed channels with parameters", () => {
    expect(d.channels.chat.address).toBe("/ws/chat/{room}/");
    expect(d.channels.chat.parameters.room.description).toBe("Room name");
    expect(d.channels.dashboard.parameters.id).toBeDefined();
  });

  it("describes client frames as receive and server frames as send operations", () => {
    const recv = d.operations["chat.receive"].messages.map((m: Any) => m.$ref);
    const send = d.operations["chat.send"].messages.map((m: Any) => m.$ref);
    expect(recv).toEqual(["#/channels/chat/messages/client.message", "#/channels/chat/messages/client.ping"]);
    expect(send).toContain("#/channels/chat/messages/server.notice");
    // An internal event only reaches event handlers: no client ever sees it as a frame.
    expect(JSON.stringify(d)).not.toContain("kick");
    expect(d.operations["chat.receive"].action).toBe("receive");
    expect(d.operations["chat.send"].action).toBe("send");
  });

  it("wraps payload schemas in the {action, payload} envelope", () => {
    const frame = d.components.messages["chat.client.message"].payload;
    expect(frame.properties.action.const).toBe("message");
    expect(frame.properties.payload.properties.text.maxLength).toBe(500);
    expect(frame.required).toEqual(["action", "payload"]);
  });

  it("unwraps whole-frame schemas instead of nesting the envelope twice", () => {
    const frame = d.components.messages["dashboard.client.subscribe"].payload;
    expect(frame.properties.payload.type).toBe("array");
    expect(frame.properties.payload.items.type).toBe("integer");
  });

  it("makes the payload optional when the schema allows it to be missing", () => {
    expect(d.components.messages["chat.client.ping"].payload.required).toEqual(["action"]);
    expect(d.components.messages["chat.server.pong"].payload.required).toEqual(["action"]);
  });

  it("includes the built-in authentication, error (both shapes) and complete messages", () => {
    const m = d.components.messages;
    expect(m["chat.server.authentication"].payload.properties.payload.properties.status_code).toBeDefined();
    const shapes = m["chat.server.error"].payload.properties.payload.anyOf;
    expect(shapes.map((s: Any) => s.type).sort()).toEqual(["array", "object"]);
    expect(m["chat.server.complete"].payload.properties.payload.type).toBe("null");
    expect(m["dashboard.server.complete"]).toBeDefined();
  });

  it("declares cookie, bearer and query-token security", () => {
    expect(Object.keys(d.components.securitySchemes)).toEqual(["sessionCookie", "bearerToken", "queryToken"]);
    expect(d.servers.default.security).toHaveLength(3);
  });

  it("gives every message an example that its own schema accepts", () => {
    const ex = d.components.messages["chat.client.message"].examples[0].payload;
    // openapi-sampler's samples: "string" for a string, a fixed instant for a date-time.
    expect(ex).toEqual({ action: "message", payload: { text: "string" } });
    expect(d.components.messages["chat.server.notice"].examples[0].payload.payload.at).toBe(
      "2019-08-24T14:15:22Z",
    );
    expect(d.components.messages["dashboard.client.subscribe"].examples[0].payload).toEqual({
      action: "subscribe",
      payload: [1],
    });
  });

  it("builds examples that the consumer's own Zod schemas accept", () => {
    const all = [
      ...Object.entries(room.incoming).map(([a, s]) => [`client.${a}`, s] as const),
      ...Object.entries({ ...room.outgoing, notice: room.events!.notice! }).map(
        ([a, s]) => [`server.${a}`, s] as const,
      ),
    ];
    for (const [action, schema] of all) {
      const frame = d.components.messages[`chat.${action}`].examples[0].payload;
      const whole = schema.safeParse(frame).success;
      expect(whole || schema.safeParse(frame.payload).success, action).toBe(true);
    }
  });

  it("builds examples that respect bounds", () => {
    expect(exampleOf({ type: "string", minLength: 8 })).toHaveLength(8);
    expect(exampleOf({ type: "integer", minimum: 5 })).toBe(5);
    expect(exampleOf({ type: "number", exclusiveMinimum: 0 })).toBe(1);
    expect(exampleOf({ type: "array", items: { type: "boolean" }, minItems: 2 })).toEqual([true, true]);
  });

  it("keeps an action that exists in both directions as two distinct messages", () => {
    const m = d.components.messages;
    expect(m["chat.client.message"].payload.properties.payload.required).toEqual(["text"]);
    expect(m["chat.server.message"].payload.properties.payload.required).toEqual(["from", "text"]);
  });

  it("keeps hostile action names out of ids and refs", async () => {
    const hostile = generateAsyncApi({
      title: "T",
      version: "1",
      consumers: [{ path: "/ws/x/", incoming: { "<img src=x>/#": z.null() }, outgoing: {} }],
    }) as Any;
    const ids = Object.keys(hostile.components.messages);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_.-]+$/);
    const { diagnostics } = await parse(hostile);
    expect(diagnostics.filter((x) => x.severity === 0)).toEqual([]);
  });

  it("reads a defineConsumer consumer directly, with docs attached by message()", async () => {
    const echo = defineConsumer({
      path: "/ws/echo/:room/",
      authenticators: [() => ({ name: "u" })],
      incoming: {
        say: message(z.object({ text: z.string() }), {
          description: "Say something",
          examples: [{ text: "hello" }],
        }),
      },
      outgoing: { said: z.object({ text: z.string() }) },
      sendCompletion: true,
      handlers: { say: () => undefined },
    });
    const anon = defineConsumer({ path: "/ws/anon/", incoming: {}, handlers: {} });
    const out = generateAsyncApi({ title: "T", version: "1", consumers: [echo, anon] }) as Any;
    const say = out.components.messages["echo_room.client.say"];
    expect(say.description).toBe("Say something");
    expect(say.examples[0].payload).toEqual({ action: "say", payload: { text: "hello" } });
    expect(out.components.messages["echo_room.server.authentication"]).toBeDefined();
    expect(out.components.messages["anon.server.authentication"]).toBeUndefined();
    const { diagnostics } = await parse(out);
    expect(diagnostics.filter((x) => x.severity === 0)).toEqual([]);
  });
});
