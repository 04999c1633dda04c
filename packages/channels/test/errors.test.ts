// Bad input gets a clear error answer and the connection stays open (nothing else is lost).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<typeof Room>;
beforeEach(async () => {
  app = await start({ consumers: [Room] });
});
afterEach(() => app.stop());

const ann = () => joinRoom(app);

/** Proves the connection is still usable after an error answer. */
async function expectStillOpen(c: Awaited<ReturnType<typeof ann>>) {
  c.sendMessage("add", { a: 1, b: 2 });
  expect(await c.receive()).toEqual({ action: "sum", payload: 3 });
}

describe("error answers", () => {
  it("answers a payload failing its schema with a list of {type, loc, msg} and stays open", async () => {
    const c = await ann();
    c.sendMessage("add", { a: "two", b: Number.NaN });
    const frame = await c.receive();
    expect(frame.action).toBe("error");
    // NaN is not valid JSON: JSON.stringify sends it as null, which is not a number either.
    expect(frame.payload).toEqual([
      { type: "invalid_type", loc: ["payload", "a"], msg: expect.stringContaining("number") },
      { type: "invalid_type", loc: ["payload", "b"], msg: expect.stringContaining("number") },
    ]);
    await expectStillOpen(c);
  });

  it("answers a missing payload of a required schema with a validation error at loc [payload]", async () => {
    const c = await ann();
    c.sendMessage("say");
    const frame = await c.receive();
    expect(frame).toMatchObject({ action: "error", payload: [{ type: "invalid_type", loc: ["payload"] }] });
    await expectStillOpen(c);
  });

  it("answers malformed JSON with a detail and stays open", async () => {
    const c = await ann();
    c.sendRaw('{"action": "add", "payload": {');
    expect(await c.receive()).toEqual({ action: "error", payload: { detail: "Malformed JSON" } });
    await expectStillOpen(c);
  });

  it("answers JSON that is not an {action, payload} object with a detail", async () => {
    const c = await ann();
    for (const raw of ["[1,2]", "42", "null", '"add"', '{"payload": 1}', '{"action": 7}', '{"action": ""}']) {
      c.sendRaw(raw);
      const frame = await c.receive();
      expect(frame.action).toBe("error");
      expect(frame.payload).toEqual({ detail: expect.any(String) });
    }
    await expectStillOpen(c);
  });

  it("answers an unknown action (including prototype names) with a detail naming it", async () => {
    const c = await ann();
    c.sendMessage("launch_missiles", {});
    expect(await c.receive()).toEqual({
      action: "error",
      payload: { detail: 'Unknown action: "launch_missiles"' },
    });
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      c.sendMessage(name, {});
      expect((await c.receive()).payload).toEqual({ detail: `Unknown action: "${name}"` });
    }
    await expectStillOpen(c);
  });

  it("echoes hostile action names only as JSON-escaped, truncated text", async () => {
    const c = await ann();
    c.sendMessage(`<script>${"x".repeat(5000)}`, null);
    const { payload } = await c.receive();
    expect((payload as { detail: string }).detail.length).toBeLessThan(130);
    await expectStillOpen(c);
  });

  it("answers a ChannelsError thrown by a handler with its message as detail", async () => {
    const c = await ann();
    c.sendMessage("fail", { kind: "channels" });
    expect(await c.receive()).toEqual({ action: "error", payload: { detail: "That is not allowed here" } });
    await expectStillOpen(c);
  });

  it("answers an unexpected exception with a generic detail, no internals, and logs it", async () => {
    const c = await ann();
    c.sendMessage("fail", { kind: "crash" });
    const frame = await c.receive();
    expect(frame).toEqual({ action: "error", payload: { detail: "Internal server error" } });
    expect(JSON.stringify(frame)).not.toContain("secret");
    const logged = app.logs.find((l) => l.level === "error");
    expect((logged?.obj as { err?: Error } | undefined)?.err?.message).toBe("secret internal detail");
    await expectStillOpen(c);
  });
});
