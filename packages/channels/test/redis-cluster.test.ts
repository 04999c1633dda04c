// Redis Cluster layer: two servers on two RedisClusterLayer instances over a real three-master
// cluster (one replica each) act as one — groups hash to the shard owning their slot, a message
// published through server A reaches members on server B — and after a master is killed its
// replica takes over: the groups of the other shards lose nothing, the failed shard's publishes
// are either delivered or reported lost, and once the layers are ready again everything arrives.
import { type RedisClusterHandle, startRedisCluster } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisClusterLayer } from "../src/layers/redis-cluster.ts";
import type { Communicator } from "../src/testing.ts";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
const GROUPS = Array.from({ length: 12 }, (_, i) => `g.${i}`);
let cluster: RedisClusterHandle;
let la: RedisClusterLayer;
let lb: RedisClusterLayer;
let a: Running<typeof Room>;
let b: Running<typeof Room>;
let bob: Communicator;
const errors: Error[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  const layer = () =>
    new RedisClusterLayer({ nodes: cluster.urls.slice(0, 2), onError: (err) => errors.push(err) });
  [la, lb] = [layer(), layer()];
  await Promise.all([la.ready(), lb.ready()]);
  a = await start({ consumers: [Room], layer: la });
  b = await start({ consumers: [Room], layer: lb });
  bob = await joinRoom(b, { token: "token-bob" });
  for (const group of GROUPS) bob.sendMessage("join", group);
  bob.sendMessage("whoami", null);
  const me = await bob.receive("me");
  expect((me.payload as { groups: string[] }).groups).toEqual(expect.arrayContaining(GROUPS));
}, 60_000);
afterAll(async () => {
  await bob?.close();
  await a?.stop();
  await b?.stop();
  await cluster?.stop();
});

/** Broadcasts `round` to every group through A; resolves with the groups that reached bob on B. */
async function round(n: number, groups = GROUPS): Promise<Set<string>> {
  for (const group of groups) await a.server.broadcast(group, "chat_message", { from: group, text: `r${n}` });
  const got = new Set<string>();
  const frames = await bob.receiveAll(400);
  for (const f of frames) {
    const p = f.payload as { from: string; text: string };
    if (f.action === "chat_message" && p.text === `r${n}`) got.add(p.from);
  }
  return got;
}

describe("Redis Cluster channel layer", () => {
  it("hashes groups to the three shards by slot and carries each from server A to server B", async () => {
    const owners = new Set(await Promise.all(GROUPS.map((g) => cluster.masterFor(`pb:channels:${g}`))));
    expect(owners.size).toBe(3);
    expect(la.stats().shards).toBe(3);
    expect(la.status).toBe("ready");
    expect(lb.status).toBe("ready");
    expect([...(await round(1))].sort()).toEqual([...GROUPS].sort());
    // a server-side event crosses too, through the members' event handler (odd ticks are filtered)
    await a.server.groupSend("g.3", "tick", { n: 2 });
    expect(await bob.receive("tick")).toEqual({ action: "tick", payload: { n: 2 } });
  });

  it("keeps delivering after a master is killed: other shards lose nothing, the failed one reports its losses, then all arrive", async () => {
    const victim = await cluster.masterFor("pb:channels:g.0");
    const onVictim: string[] = [];
    for (const g of GROUPS) if ((await cluster.masterFor(`pb:channels:${g}`)) === victim) onVictim.push(g);
    const survivors = GROUPS.filter((g) => !onVictim.includes(g));
    const lostBefore = la.stats().lost;
    errors.length = 0;

    await cluster.kill(victim);
    const failover = cluster.waitForFailover(victim);
    let settled = false;
    void failover.then(() => {
      settled = true;
    });
    // While the replica takes over, every round still reaches bob for every surviving shard.
    let n = 100;
    let missedOnVictim = 0;
    while (!settled) {
      const got = await round(n++);
      expect(survivors.filter((g) => !got.has(g))).toEqual([]);
      missedOnVictim += onVictim.filter((g) => !got.has(g)).length;
    }
    await failover;
    for (let i = 0; i < 100 && (la.status !== "ready" || lb.status !== "ready"); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect([la.status, lb.status], JSON.stringify([la.describe(), lb.describe()])).toEqual([
      "ready",
      "ready",
    ]);

    // After the failover every group, the failed shard's included, is delivered again.
    expect([...(await round(n++))].sort()).toEqual([...GROUPS].sort());
    const lost = la.stats().lost - lostBefore;
    // What was lost is said, not hidden: each failed publish was reported naming its group.
    const reported = errors.filter((e) =>
      /group message to g\.\d+ lost/.test(String((e as { context?: string }).context)),
    );
    expect(reported.length).toBe(lost);
    expect(errors.some((e) => String((e as { context?: string }).context).includes(`:${victim}`))).toBe(true);
    console.log(
      `failover of master ${victim}: ${missedOnVictim} deliveries missed on its ${onVictim.length} groups, ` +
        `${lost} publishes reported lost, ${la.stats().failovers} slot-map changes seen`,
    );
  }, 60_000);
});
