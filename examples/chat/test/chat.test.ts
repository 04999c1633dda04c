// Specification of the chat example over real sockets: rooms, exclusion of the sender,
// join/leave notices, validation, and hostile strings carried as plain text.
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

async function join(room: string, name: string): Promise<Communicator> {
  const c = await Communicator.connect(
    `ws://127.0.0.1:${app.port}/ws/chat/${room}/?name=${encodeURIComponent(name)}`,
  );
  open.push(c);
  await c.assertAuthenticated();
  return c;
}

const actions = (frames: Frame[]) => frames.map((f) => f.action);

describe("chat example", () => {
  it("delivers a message to the others in the room but not to the sender", async () => {
    const alice = await join("r1", "alice");
    const bob = await join("r1", "bob");
    await alice.receive("notice"); // bob joined
    alice.sendMessage("message", { text: "hi bob" });
    const got = await bob.receive("message");
    expect(got.payload).toMatchObject({ from: "alice", text: "hi bob" });
    expect(actions(await alice.receiveAll(200))).not.toContain("message");
  });

  it("keeps two rooms isolated", async () => {
    const a = await join("room-a", "ann");
    const b = await join("room-b", "ben");
    const a2 = await join("room-a", "amy");
    await a.receive("notice");
    a2.sendMessage("message", { text: "only room a" });
    expect((await a.receive("message")).payload).toMatchObject({ text: "only room a" });
    expect(await b.receiveAll(300)).toEqual([]);
  });

  it("tells the room when someone joins and leaves, but not the one joining", async () => {
    const carol = await join("r2", "carol");
    const dave = await join("r2", "dave");
    expect((await carol.receive("notice")).payload).toMatchObject({ room: "r2", text: "dave joined" });
    expect(actions(await dave.receiveAll(200))).not.toContain("notice");
    await dave.close();
    expect((await carol.receive("notice")).payload).toMatchObject({ text: "dave left" });
  });

  it("carries hostile strings unchanged, as text", async () => {
    const eve = await join("r3", "<b>eve</b>");
    const frank = await join("r3", "frank");
    const hostile = `<img src=x onerror=alert(1)> "quotes" \\ \u0000 \u202e emoji 🎉 ' ; DROP TABLE`;
    eve.sendMessage("message", { text: hostile });
    expect((await frank.receive("message")).payload).toMatchObject({
      from: "<b>eve</b>",
      text: hostile.trim(),
    });
  });

  it("refuses a message over the length limit with a validation error and stays open", async () => {
    const gus = await join("r4", "gus");
    gus.sendMessage("message", { text: "x".repeat(MAX_MESSAGE_LENGTH + 1) });
    const err = await gus.receive("error");
    expect(err.payload).toEqual([expect.objectContaining({ type: "too_big", loc: ["payload", "text"] })]);
    gus.sendMessage("ping", null);
    expect((await gus.receive()).action).toBe("pong");
  });

  it("refuses an empty or blank message", async () => {
    const hal = await join("r5", "hal");
    hal.sendMessage("message", { text: "   " });
    expect((await hal.receive("error")).payload).toEqual([
      expect.objectContaining({ type: "too_small", loc: ["payload", "text"] }),
    ]);
  });

  it("refuses a message of the wrong type", async () => {
    const ida = await join("r6", "ida");
    ida.sendMessage("message", { text: 42 });
    expect((await ida.receive("error")).payload).toEqual([
      expect.objectContaining({ type: "invalid_type", loc: ["payload", "text"] }),
    ]);
  });

  it("answers malformed JSON and unknown actions with an error detail", async () => {
    const jo = await join("r7", "jo");
    jo.sendRaw("{not json");
    expect((await jo.receive("error")).payload).toMatchObject({ detail: expect.any(String) });
    jo.sendMessage("shout", { text: "x" });
    expect((await jo.receive("error")).payload).toMatchObject({ detail: expect.stringContaining("shout") });
    expect(jo.isOpen).toBe(true);
  });

  it("refuses a connection without a display name (401, close 4001)", async () => {
    const c = await Communicator.connect(`ws://127.0.0.1:${app.port}/ws/chat/r8/`);
    expect((await c.receive()).payload).toMatchObject({ status_code: 401 });
    expect((await c.closed).code).toBe(4001);
  });

  it("refuses a room name that is not a slug (404, close 4004)", async () => {
    const c = await Communicator.connect(`ws://127.0.0.1:${app.port}/ws/chat/NOT_A_ROOM/?name=kim`);
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

  it("serves the page, which renders server strings with textContent only", async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/chat/lobby/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("new WebSocket(");
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
