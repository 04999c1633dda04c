// Redis layer: two servers on two RedisLayer instances behave as one cluster — a group message
// published through server A reaches members connected to server B — and keep doing so after
// the Redis process restarts on the same port.
import { type RedisHandle, startRedis } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLayer } from "../src/layers/redis.ts";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let redis: RedisHandle;
let a: Running<typeof Room>;
let b: Running<typeof Room>;
const errors: Error[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const layer = () => new RedisLayer({ url: redis.url, onError: (err) => errors.push(err) });
  const [la, lb] = [layer(), layer()];
  await Promise.all([la.ready(), lb.ready()]);
  a = await start({ consumers: [Room], layer: la });
  b = await start({ consumers: [Room], layer: lb });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await redis?.stop();
});

const member = (app: Running<typeof Room>, token: string) => joinRoom(app, { token });

describe("Redis channel layer", () => {
  it("carries a broadcast from a client on server A to a group member on server B, excluding the sender", async () => {
    const ann = await member(a, "token-ann");
    const bob = await member(b, "token-bob");
    const bobOnA = await member(a, "token-bob");
    ann.sendMessage("say", { text: "across nodes" });
    const expected = { action: "chat_message", payload: { from: "ann", text: "across nodes" } };
    expect(await bob.receive()).toEqual(expected);
    expect(await bobOnA.receive()).toEqual(expected);
    expect(await ann.receiveAll(200)).toEqual([]);
    await Promise.all([ann.close(), bob.close(), bobOnA.close()]);
  });

  it("delivers a server-side event sent on server A to the event handlers of members on server B", async () => {
    const bob = await member(b, "token-bob");
    await a.server.groupSend("room.1", "tick", { n: 1 });
    await a.server.groupSend("room.1", "tick", { n: 2 });
    expect(await bob.receive()).toEqual({ action: "tick", payload: { n: 2 } });
    expect(await bob.receiveAll(150)).toEqual([]);
    await bob.close();
  });

  it("stops delivering to a node once its last member of the group has gone", async () => {
    const bob = await member(b, "token-bob");
    await bob.close();
    for (let i = 0; i < 100 && b.server.localGroupSize("room.1") > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(b.server.localGroupSize("room.1")).toBe(0);
    await expect(a.server.groupSend("room.1", "tick", { n: 4 })).resolves.toBeUndefined();
  });

  it("recovers after Redis restarts on the same port: reconnects, resubscribes, reports errors, no crash", async () => {
    const ann = await member(a, "token-ann");
    const bob = await member(b, "token-bob");
    errors.length = 0;
    await redis.restart();
    // Keep publishing until the cluster has healed (both connections back and resubscribed).
    let received = false;
    for (let i = 0; i < 100 && !received; i++) {
      await a.server.broadcast("room.1", "chat_message", { from: "system", text: `after restart ${i}` });
      received = (await bob.receiveAll(100)).some((f) => f.action === "chat_message");
    }
    expect(received).toBe(true);
    expect(errors.length).toBeGreaterThan(0); // the outage was reported through onError
    // and messages flow in the other direction too (ann first drains the local system frames)
    await ann.receiveAll(100);
    bob.sendMessage("say", { text: "back" });
    expect(await ann.receive("chat_message", 5000)).toMatchObject({ payload: { from: "bob", text: "back" } });
    await Promise.all([ann.close(), bob.close()]);
  }, 30_000);

  it("keeps serving while Redis is down (joins do not hang, sends do not throw) and subscribes late joiners on return", async () => {
    await redis.stop();
    // joined during the outage: the handshake and its join() complete without Redis
    const bob = await member(b, "token-bob");
    await expect(a.server.groupSend("room.1", "tick", { n: 2 })).resolves.toBeUndefined();
    await redis.start();
    let received = false;
    for (let i = 0; i < 100 && !received; i++) {
      await a.server.broadcast("room.1", "chat_message", { from: "system", text: "welcome back" });
      received = (await bob.receiveAll(100)).some((f) => f.action === "chat_message");
    }
    expect(received).toBe(true);
    await bob.close();
  }, 30_000);
});
