// Specification of the notification outbox across a crash and a restart: a notification written
// with its transition survives the server process being killed (SIGKILL) before it was delivered,
// and the next process delivers it; what was delivered is not delivered again.
import { freePort } from "@pulseboard/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { alertOutboxOf, alertServiceOf } from "../src/alerts/index.ts";
import { createTestDatabase, spawnMain, startTestApp, type TestDatabase } from "./harness.ts";
import { type HttpReceiver, startHttpReceiver } from "./receivers.ts";

describe("alert outbox", () => {
  let db: TestDatabase;
  let hook: HttpReceiver;
  afterAll(async () => {
    await hook?.close();
    await db?.destroy();
  });

  it("delivers after a crash what was not delivered before it, once", async () => {
    db = await createTestDatabase("sqlite");
    hook = await startHttpReceiver();
    const config = { alertAllowPrivate: true, alertRetryBaseMs: 20, alertPollMs: 100 };
    // set-up through one app, then closed: the server process below owns the database
    const setup = await startTestApp("sqlite", { database: db, config });
    const o = await setup.createUser("olga");
    const owner = await setup.login("olga", o.password);
    const token = await setup.createToken("olga");
    const dash = (await setup.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Ops" } }))
      .body.id;
    const metric = (
      await setup.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: "m", type: "gauge" },
      })
    ).body.id;
    await setup.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      session: owner,
      body: { metric_id: metric, condition: "above", threshold: 1 },
    });
    const cp = (
      await setup.api("POST", `/api/v1/dashboards/${dash}/contact-points`, {
        session: owner,
        body: { name: "hook", type: "webhook", settings: { url: hook.url, max_attempts: 20 } },
      })
    ).body.id;
    await setup.close();

    // The receiver is down (503) while the server process fires the alert; the process is killed
    // after a failed attempt, with its retry still to come.
    hook.script.push(...Array.from({ length: 100 }, () => ({ status: 503 })));
    const port = await freePort();
    const main = await spawnMain(db, port, {
      PULSEBOARD_DEMO: "0",
      PULSEBOARD_SYNTHETIC: "0",
      PULSEBOARD_SYSTEM: "0",
      PULSEBOARD_ALERT_ALLOW_PRIVATE: "1",
      PULSEBOARD_ALERT_RETRY_BASE_MS: "20",
    });
    const res = await fetch(`${main.url}/api/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ points: [{ metric_id: metric, value: 5 }] }),
    });
    expect(res.status).toBe(200);
    // killed once the failed attempt is on record (its row waits for a retry, not in flight)
    for (let logged = 0; logged === 0; ) {
      const log = await fetch(`${main.url}/api/v1/contact-points/${cp}/deliveries`, {
        headers: { cookie: `pb_session=${owner.cookie}` },
      });
      logged = ((await log.json()) as unknown[]).length;
    }
    main.child.kill("SIGKILL");
    await main.exited;

    // The receiver is back; a new server on the same database delivers the pending notification.
    hook.script.length = 0;
    const failed = hook.requests.length;
    const after = await startTestApp("sqlite", { database: db, config });
    try {
      await hook.waitFor(failed + 1, 30_000);
      const ingest = await after.api("POST", "/api/v1/ingest", {
        token,
        body: { points: [{ metric_id: metric, value: 0 }] },
      });
      expect(ingest.status).toBe(200);
      await alertServiceOf(after.pb.ctx)!.idle();
      await hook.waitFor(failed + 2);
      await alertOutboxOf(after.pb.ctx)!.idle();
      const seen = hook.requests.map((r) => {
        const body = r.json as { alerts: { notification_id: number; state: string }[] };
        return `${body.alerts.map((a) => `${a.notification_id}:${a.state}`).join(",")}`;
      });
      const firing = seen[0]!;
      expect(firing).toMatch(/^\d+:firing$/);
      // before the crash: failed attempts of that one notification; after: it once, then the resolve
      expect(new Set(seen.slice(0, failed))).toEqual(new Set([firing]));
      expect(seen.slice(failed)).toEqual([firing, expect.stringMatching(/^\d+:resolved$/)]);
    } finally {
      await after.close();
    }
  }, 120_000);
});
