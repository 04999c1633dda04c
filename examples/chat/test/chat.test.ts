// Specification of the chat example over real sockets: the Chanx tutorial's frames, rooms,
// exclusion of the sender, join/leave notices, validation, hostile strings carried as plain text,
// and the chat's own AsyncAPI document.
import { Parser } from "@asyncapi/parser";
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChat } from "../src/app.ts";
import { MAX_MESSAGE_LENGTH } from "../src/consumer.ts";

let app: ChatApp;
const open: Communicator[] = [];

beforeAll(async () => {
  app = await startChat();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await app.close();
});

async function join(room: string, name?: string): Promise<Communicator> {
  const query = name === undefined ? "" : `?name=${encodeURIComponent(name)}`;
  const c = await Communicator.connect(`ws://127.0.0.1:${app.port}/ws/chat/${room}/${query}`);
  open.push(c);
  await c.assertAuthenticated();
  return c;
}

const actions = (frames: Frame[]) => frames.map((f) => f.action);

describe("chat example", () => {
  it("speaks the Chanx tutorial's frames: a client of that tutorial works unchanged", async () => {
    // The tutorial's client connects to /ws/chat/<room>/ with no query and sends this exact text.
    const alice = await join("room1");
    const bob = await join("room1");
    await alice.receive("notice"); // someone joined
    alice.sendRaw(
      '{"action": "new_chat_message", "payload": {"message": "Hello everyone!", "name": "Alice"}}',
    );
    expect(await bob.receive("new_chat_message")).toEqual({
      action: "new_chat_message",
      payload: { message: "Hello everyone!", name: "Alice" },
    });
    alice.sendMessage("ping", null);
    expect((await alice.receive("pong")).payload).toBeNull();
  });

  it("delivers a message to the others in the room but not to the sender", async () => {
    const alice = await join("r1", "alice");
    const bob = await join("r1", "bob");
    await alice.receive("notice"); // bob joined
    alice.sendMessage("new_chat_message", { message: "hi bob", name: "alice" });
    const got = await bob.receive("new_chat_message");
    expect(got.payload).toEqual({ message: "hi bob", name: "alice" });
    expect(actions(await alice.receiveAll(200))).not.toContain("new_chat_message");
  });

  it("keeps two rooms isolated", async () => {
    const a = await join("room-a", "ann");
    const b = await join("room-b", "ben");
    const a2 = await join("room-a", "amy");
    await a.receive("notice");
    a2.sendMessage("new_chat_message", { message: "only room a", name: "amy" });
    expect((await a.receive("new_chat_message")).payload).toMatchObject({ message: "only room a" });
    expect(await b.receiveAll(300)).toEqual([]);
  });

  it("tells the room when someone joins and leaves, but not the one joining", async () => {
    const carol = await join("r2", "carol");
    const dave = await join("r2", "dave");
    expect((await carol.receive("notice")).payload).toMatchObject({ room: "r2", text: "dave joined" });
    expect(actions(await dave.receiveAll(200))).not.toContain("notice");
    await dave.close();
    expect((await carol.receive("notice")).payload).toMatchObject({ text: "dave left" });
    await join("r2");
    expect((await carol.receive("notice")).payload).toMatchObject({ text: "someone joined" });
  });

  it("carries hostile strings unchanged, as text", async () => {
    const eve = await join("r3", "eve");
    const frank = await join("r3", "frank");
    const hostile = `<img src=x onerror=alert(1)> "quotes" \\ \u0000 \u202e emoji 🎉 ' ; DROP TABLE`;
    eve.sendMessage("new_chat_message", { message: hostile, name: "<b>eve</b>" });
    expect((await frank.receive("new_chat_message")).payload).toEqual({
      message: hostile.trim(),
      name: "<b>eve</b>",
    });
  });

  it("refuses a message over the length limit with a validation error and stays open", async () => {
    const gus = await join("r4", "gus");
    gus.sendMessage("new_chat_message", { message: "x".repeat(MAX_MESSAGE_LENGTH + 1), name: "gus" });
    const err = await gus.receive("error");
    expect(err.payload).toEqual([expect.objectContaining({ type: "too_big", loc: ["payload", "message"] })]);
    gus.sendMessage("ping", null);
    expect((await gus.receive()).action).toBe("pong");
  });

  it("refuses a blank message and a message without a name", async () => {
    const hal = await join("r5", "hal");
    hal.sendMessage("new_chat_message", { message: "   ", name: "hal" });
    expect((await hal.receive("error")).payload).toEqual([
      expect.objectContaining({ type: "too_small", loc: ["payload", "message"] }),
    ]);
    hal.sendMessage("new_chat_message", { message: "hi" });
    expect((await hal.receive("error")).payload).toEqual([
      expect.objectContaining({ type: "invalid_type", loc: ["payload", "name"] }),
    ]);
  });

  it("refuses a message of the wrong type", async () => {
    const ida = await join("r6", "ida");
    ida.sendMessage("new_chat_message", { message: 42, name: "ida" });
    expect((await ida.receive("error")).payload).toEqual([
      expect.objectContaining({ type: "invalid_type", loc: ["payload", "message"] }),
    ]);
  });

  it("answers malformed JSON and unknown actions (the old `message {text}` frame among them) with an error detail", async () => {
    const jo = await join("r7", "jo");
    jo.sendRaw("{not json");
    expect((await jo.receive("error")).payload).toMatchObject({ detail: expect.any(String) });
    jo.sendMessage("message", { text: "x" });
    expect((await jo.receive("error")).payload).toMatchObject({ detail: expect.stringContaining("message") });
    expect(jo.isOpen).toBe(true);
  });

  it("refuses a room name a Channels group could not have (404, close 4004)", async () => {
    const c = await Communicator.connect(`ws://127.0.0.1:${app.port}/ws/chat/no%20room/?name=kim`);
    expect((await c.receive()).payload).toMatchObject({ status_code: 404 });
    expect((await c.closed).code).toBe(4004);
  });

  it("refuses a browser connecting from another site's page (HTTP 403)", async () => {
    const url = `ws://127.0.0.1:${app.port}/ws/chat/r9/?name=lee`;
    await expect(Communicator.connect(url, { origin: "https://evil.example" })).rejects.toMatchObject({
      status: 403,
    });
    const ok = await Communicator.connect(url, { origin: `http://127.0.0.1:${app.port}` });
    open.push(ok);
    await ok.assertAuthenticated();
  });

  it("serves the page with a script of its own, which renders server strings with textContent only", async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/chat/lobby/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self';");
    expect(await res.text()).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const script = await (await fetch(`http://127.0.0.1:${app.port}/chat.js`)).text();
    expect(script).toContain("new WebSocket(");
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});

describe("the chat's AsyncAPI document", () => {
  it("is generated from the consumer's schemas and valid for the official parser", async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/asyncapi.json`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { document, diagnostics } = await new Parser().parse(text);
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => d.message)).toEqual([]);
    expect(document?.version()).toBe("3.0.0");
    const doc = JSON.parse(text);
    expect(doc.channels.chat.address).toBe("/ws/chat/{room}/");
    expect(doc.servers.default.host).toBe(`127.0.0.1:${app.port}`);
    // Anyone may join: no credentials are described.
    expect(doc.servers.default.security).toBeUndefined();
    expect(doc.components.securitySchemes).toBeUndefined();
    const names = (op: string) =>
      doc.operations[op].messages.map((m: { $ref: string }) => m.$ref.split("/").pop());
    expect(names("chat.receive").sort()).toEqual(["client.new_chat_message", "client.ping"]);
    expect(names("chat.send")).toEqual(expect.arrayContaining(["server.new_chat_message", "server.notice"]));
    const frame = doc.components.messages["chat.client.new_chat_message"].payload;
    expect(frame.properties.payload.required.sort()).toEqual(["message", "name"]);
    expect(doc.components.messages["chat.client.new_chat_message"].examples[0].payload).toEqual({
      action: "new_chat_message",
      payload: { message: "Hello everyone!", name: "Alice" },
    });
  });
});
