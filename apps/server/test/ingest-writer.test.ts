// Specification of committing points off the event loop (SQLite's writer thread,
// storage/writer.ts): while large line-protocol batches are being committed, a live dashboard
// client keeps receiving its metric's points, all of them, in commit order, before the large
// ingest is over; and every batch that was acknowledged is stored whole after a restart, a
// graceful one or kill -9, while a batch that was not is stored whole or not at all.

import { request } from "node:http";
import { Communicator } from "@pulseboard/channels/testing";
import { freePort } from "@pulseboard/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { createApiToken } from "../src/auth/tokens.ts";
import { createUser } from "../src/auth/users.ts";
import { createDashboard } from "../src/dashboards/store.ts";
import { openDatabase } from "../src/db/connect.ts";
import { allStoredValues, createTestDatabase, spawnMain, startTestApp, type TestApp } from "./harness.ts";

const SERIES = 1000;
const LINES_PER_SERIES = 10;
const FIELDS = 5;
/** Points of one large batch: 10,000 lines of 5 fields. */
const BATCH_POINTS = SERIES * LINES_PER_SERIES * FIELDS;
/** Values of batch b are b·1e6 + (line·10 + field): a stored value tells its batch. */
const batchOf = (value: number) => Math.floor(value / 1_000_000);

/** Large batch `b` (b ≥ 1) in line protocol, millisecond timestamps unique to it. */
function largeBatch(b: number, base: number): string {
  const lines: string[] = [];
  for (let k = 0; k < LINES_PER_SERIES; k++)
    for (let s = 0; s < SERIES; s++) {
      const v = b * 1_000_000 + (k * SERIES + s) * 10;
      const fields = Array.from({ length: FIELDS }, (_, f) => `f${f}=${v + f}`).join(",");
      lines.push(`bulk,host=h${s} ${fields} ${base + b * LINES_PER_SERIES + k}`);
    }
  return `${lines.join("\n")}\n`;
}

async function sendLarge(url: string, token: string, b: number, base: number): Promise<number> {
  const res = await fetch(`${url}/api/v2/write?bucket=bulk&precision=ms`, {
    method: "POST",
    headers: { authorization: `Token ${token}`, "content-type": "text/plain" },
    body: largeBatch(b, base),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Sends a large batch with node:http, calling `sent` once the whole body is handed to the socket;
 * resolves with the status once the answer is read.
 */
function sendLargeRaw(port: number, token: string, b: number, base: number, sent: () => void) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/v2/write?bucket=bulk&precision=ms",
        method: "POST",
        headers: { authorization: `Token ${token}`, "content-type": "text/plain" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(largeBatch(b, base), sent);
  });
}

/** Stored points of each large batch (values below 1e6 are not theirs). */
function perBatch(values: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of values) if (v >= 1_000_000) out.set(batchOf(v), (out.get(batchOf(v)) ?? 0) + 1);
  return out;
}

describe("committing large batches off the event loop (SQLite writer thread)", () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => {});
  });

  it("keeps streaming a live metric's points, all and in commit order, while large batches commit, and keeps every acknowledged batch across a restart", {
    timeout: 180_000,
  }, async () => {
    const t = await startTestApp("sqlite");
    await t.createUser("ida", "pw");
    const session = await t.login("ida", "pw");
    const token = await t.createToken("ida", "ingest");
    await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Bulk", slug: "bulk" } });
    const live = (
      await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Live", slug: "live" } })
    ).body.id as number;
    const beat = (
      await t.api("POST", `/api/v1/dashboards/${live}/metrics`, {
        session,
        body: { name: "beat", type: "gauge" },
      })
    ).body.id as number;
    const client = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${live}/`, { token });
    await client.assertAuthenticated();
    await client.receive("dashboard_config");
    await client.receive("metric_history");

    const base = Date.now() - 3_600_000;
    // The bulk series are created by a first batch, before anything is compared.
    expect(await sendLarge(t.url, token, 1, base)).toBe(204);

    const events: string[] = [];
    const LARGE = [2, 3, 4, 5];
    let largeDone = false;
    const large = (async () => {
      const statuses: number[] = [];
      for (const b of LARGE) {
        statuses.push(await sendLarge(t.url, token, b, base));
        events.push(`ack ${b}`);
      }
      largeDone = true;
      return statuses;
    })();
    // Beats are sent one after the other, each once the previous one was streamed back, for as
    // long as the large batches go on.
    const received: Array<{ value: number; offset: number }> = [];
    const beats = (async () => {
      while (!largeDone) {
        const value = received.length + 1;
        const res = await t.api("POST", "/api/v1/ingest", {
          token,
          body: { points: [{ metric_id: beat, value }] },
        });
        expect(res.status).toBe(200);
        const f = await client.receive("metric_update", 60_000);
        const p = f.payload as { metric_id: number; value: number; offset: number };
        expect(p.metric_id).toBe(beat);
        received.push({ value: p.value, offset: p.offset });
        events.push(`beat ${p.value}`);
      }
    })();
    expect(await large).toEqual([204, 204, 204, 204]);
    await beats;

    // Every beat, in the order it was committed (offsets rising), none missing or repeated.
    expect(received.map((r) => r.value)).toEqual(Array.from({ length: received.length }, (_, i) => i + 1));
    for (let i = 1; i < received.length; i++)
      expect(received[i]!.offset).toBeGreaterThan(received[i - 1]!.offset);
    // The live stream went on while the large batches committed, not only once they were done.
    const firstAck = events.indexOf("ack 2");
    const lastAck = events.indexOf("ack 5");
    expect(events.slice(firstAck, lastAck).some((e) => e.startsWith("beat"))).toBe(true);
    await client.close();

    // A graceful restart while a large batch is in flight: it is answered, and what was
    // acknowledged is stored whole after the restart.
    const inFlight = sendLarge(t.url, token, 6, base).catch(() => 0);
    await new Promise((r) => setTimeout(r, 50));
    await t.pb.close();
    const last = await inFlight;
    const again = await startTestApp("sqlite", { database: t.database });
    apps.push(again, t);
    const stored = perBatch(await allStoredValues(again));
    for (const b of [1, ...LARGE]) expect(stored.get(b)).toBe(BATCH_POINTS);
    if (last === 204) expect(stored.get(6)).toBe(BATCH_POINTS);
    else expect([undefined, BATCH_POINTS]).toContain(stored.get(6));
    await again.close();
    await t.close();
  });

  it("answers a live client's pings while a large batch commits, before that batch is acknowledged", {
    timeout: 120_000,
  }, async () => {
    // Pings as fast as they are answered: the per-socket frame limit (50/s) is off here.
    const t = await startTestApp("sqlite", { config: { wsMessagesPerSecond: 0 } });
    apps.push(t);
    await t.createUser("lou", "pw");
    const session = await t.login("lou", "pw");
    const token = await t.createToken("lou", "ingest");
    await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Bulk", slug: "bulk" } });
    const live = (
      await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Live", slug: "live" } })
    ).body.id as number;
    const client = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${live}/`, { token });
    await client.assertAuthenticated();
    await client.receive("dashboard_config");
    const base = Date.now() - 3_600_000;
    expect(await sendLarge(t.url, token, 1, base)).toBe(204); // creates the series

    // Once the body is sent, ping after ping (each after the previous pong) until the answer.
    // Committed on the event loop, the batch left no turn for a ping between the end of its body
    // and its answer (decoding, then the commit, ran without yielding): a pong or two of the
    // upload at most. Committed by the writer thread, the event loop answers meanwhile.
    let acked = false;
    let pongs = 0;
    let pinging: Promise<void> = Promise.resolve();
    const status = await sendLargeRaw(t.port, token, 2, base, () => {
      pinging = (async () => {
        while (!acked) {
          client.sendMessage("ping");
          await client.receive("pong", 30_000);
          if (!acked) pongs++;
        }
      })();
    });
    acked = true;
    await pinging;
    expect(status).toBe(204);
    expect(pongs).toBeGreaterThanOrEqual(5);
    await client.close();
  });

  it("keeps every acknowledged large batch whole after kill -9 mid-ingest, and an unacknowledged one whole or not at all", {
    timeout: 180_000,
  }, async () => {
    const db = await createTestDatabase("sqlite");
    const setup = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    const user = await createUser(setup.db, "kim", "pw");
    const { token } = await createApiToken(setup.db, user.id, "ingest");
    await createDashboard(setup.db, { name: "Bulk", slug: "bulk" }, user.id);
    await setup.close();

    const port = await freePort();
    const server = await spawnMain(db, port, {
      PULSEBOARD_SYNTHETIC: "0",
      PULSEBOARD_SYSTEM: "0",
      PULSEBOARD_DEMO: "0",
    });
    const base = Date.now() - 3_600_000;
    const acked: number[] = [];
    const unacked: number[] = [];
    let killed = false;
    // Two senders, each batch sent once the sender's previous one is answered.
    let next = 1;
    const sender = async () => {
      while (!killed) {
        const b = next++;
        const status = await sendLarge(server.url, token, b, base).catch(() => 0);
        if (status === 204) acked.push(b);
        else if (!killed) throw new Error(`batch ${b} answered ${status}:\n${server.output()}`);
        else unacked.push(b);
      }
    };
    const senders = [sender(), sender()];
    while (acked.length < 3) await new Promise((r) => setTimeout(r, 20));
    killed = true;
    server.child.kill("SIGKILL");
    await server.exited;
    await Promise.all(senders);

    const t = await startTestApp("sqlite", { database: db });
    apps.push(t);
    const stored = perBatch(await allStoredValues(t));
    for (const b of acked) expect(stored.get(b)).toBe(BATCH_POINTS);
    for (const b of unacked) expect([undefined, BATCH_POINTS]).toContain(stored.get(b));
    expect([...stored.keys()].every((b) => acked.includes(b) || unacked.includes(b))).toBe(true);
    await t.close();
    await db.destroy();
  });
});
