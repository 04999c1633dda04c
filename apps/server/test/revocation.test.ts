// Revocation that cannot be missed: a removed member's socket closes with 4003 even when the
// revocation event was lost — because the channel layer (Redis) was away when it was sent, or
// because it was sent between the socket's permission check and its joining the dashboard group,
// or (at a bounded interval) because it was never sent at all.
import { type ChannelLayer, type Deliver, InMemoryLayer, type LayerMessage } from "@pulseboard/channels";
import { RedisLayer } from "@pulseboard/channels/redis";
import { Communicator } from "@pulseboard/channels/testing";
import { startRedis } from "@pulseboard/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, startTestApp, type TestApp } from "./harness.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** ann owns a dashboard bob views; returns ann's token, bob's token and the dashboard id. */
async function shared(t: TestApp) {
  await t.createUser("ann", "ann-password-1");
  await t.createUser("bob", "bob-password-1");
  const ann = await t.createToken("ann");
  const bob = await t.createToken("bob");
  const dash = (await t.api("POST", "/api/v1/dashboards", { token: ann, body: { name: "D" } })).body.id;
  await t.addMember(dash, "bob", "viewer", { token: ann });
  return { ann, bob, dash: dash as number };
}

async function connected(t: TestApp, dash: number, token: string) {
  const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
  cleanups.push(async () => c.ws.terminate());
  await c.assertAuthenticated();
  return c;
}

describe("when the channel layer was away", () => {
  it("closes a removed member's socket on another node once Redis is back", { timeout: 60_000 }, async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const database = await createTestDatabase("sqlite");
    cleanups.push(() => database.destroy());
    const node = async () => {
      const layer = new RedisLayer({ url: redis.url, onError: () => {} });
      await layer.ready();
      // Only the recovery may close it here: no interval re-check.
      const t = await startTestApp("sqlite", { database, config: { accessRecheckMs: 0 }, build: { layer } });
      cleanups.push(() => t.close());
      return t;
    };
    const a = await node();
    const b = await node();
    const { ann, bob, dash } = await shared(a);
    const socket = await connected(b, dash, bob);
    await socket.receive("dashboard_config");

    await redis.stop();
    const removed = await a.api(
      "DELETE",
      `/api/v1/dashboards/${dash}/members/${await memberId(a, ann, dash, "bob")}`,
      {
        token: ann,
      },
    );
    expect(removed.status).toBe(204);
    // The event died with Redis: node B's socket is still open.
    await new Promise((r) => setTimeout(r, 300));
    expect(socket.isOpen).toBe(true);

    await redis.start();
    const closed = await socket.closed;
    expect(closed.code).toBe(4003);
  });
});

async function memberId(t: TestApp, token: string, dash: number, username: string): Promise<number> {
  const list = (await t.api("GET", `/api/v1/dashboards/${dash}/members`, { token })).body as Array<{
    user_id: number;
    username: string;
  }>;
  return list.find((m) => m.username === username)!.user_id;
}

/**
 * An in-memory layer whose first subscription to a group starting with `gated` waits until
 * released. Without the handshake cache that is the connection's join of its dashboard group.
 * With it, the cache subscribes to the dashboard group first and the node's subscribers share that
 * one subscription (one ordered sequence per group), so the join that waits is the connection's
 * credential group, the next of its groups.
 */
class GatedLayer implements ChannelLayer {
  readonly inner = new InMemoryLayer();
  #gated: string;
  #waited = false;
  reached!: Promise<void>;
  #reach!: () => void;
  #release!: () => void;
  #gate: Promise<void>;
  constructor(gated: string) {
    this.#gated = gated;
    this.reached = new Promise((r) => {
      this.#reach = r;
    });
    this.#gate = new Promise((r) => {
      this.#release = r;
    });
  }
  release() {
    this.#release();
  }
  publish(group: string, message: LayerMessage) {
    return this.inner.publish(group, message);
  }
  async subscribe(group: string, deliver: Deliver) {
    if (group.startsWith(this.#gated) && !this.#waited) {
      this.#waited = true;
      this.#reach();
      await this.#gate;
    }
    await this.inner.subscribe(group, deliver);
  }
  unsubscribe(group: string, deliver: Deliver) {
    return this.inner.unsubscribe(group, deliver);
  }
  close() {
    return this.inner.close();
  }
}

describe.each([
  { cache: "without the handshake cache", handshakeCacheTtlMs: 0, gated: "dashboard." },
  { cache: "with the handshake cache", handshakeCacheTtlMs: 60_000, gated: "credential.token." },
])("when access is taken away during the handshake ($cache)", ({ handshakeCacheTtlMs, gated }) => {
  it("closes a socket whose membership was removed between its permission check and joining its groups", async () => {
    const layer = new GatedLayer(gated);
    const t = await startTestApp("sqlite", {
      config: { accessRecheckMs: 0, handshakeCacheTtlMs },
      build: { layer },
    });
    cleanups.push(() => t.close());
    const { ann, bob, dash } = await shared(t);
    const bobId = await memberId(t, ann, dash, "bob");
    const socket = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token: bob });
    cleanups.push(async () => socket.ws.terminate());
    await layer.reached; // permission granted, now joining the dashboard group
    expect(
      (await t.api("DELETE", `/api/v1/dashboards/${dash}/members/${bobId}`, { token: ann })).status,
    ).toBe(204);
    layer.release();
    await socket.assertAuthenticated();
    const closed = await socket.closed;
    expect(closed.code).toBe(4003);
    // Nothing of the dashboard was sent before it closed.
    const rest = await socket.receiveAll(50);
    expect(rest.map((f) => f.action)).not.toContain("dashboard_config");
  });
});

describe("at a bounded interval", () => {
  it("closes a socket whose membership disappeared without any revocation event", async () => {
    const t = await startTestApp("sqlite", { config: { accessRecheckMs: 500 } });
    cleanups.push(() => t.close());
    const { bob, dash } = await shared(t);
    const socket = await connected(t, dash, bob);
    // Straight in storage: no event is sent (as when it was lost).
    await t.pb.db
      .deleteFrom("dashboard_members")
      .where("dashboard_id", "=", dash)
      .where("role", "=", "viewer")
      .execute();
    expect((await socket.closed).code).toBe(4003);
  });
});
