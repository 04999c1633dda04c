// Specifications of alert notifications with real receivers: a webhook HTTP server and an SMTP
// server started here. Transitions reach contact points through the persisted outbox (signed
// webhook body, Slack body, email), failures (500s, timeouts, refused connections) are retried with
// backoff and logged without holding up evaluation, and the policy (routing, resolves, silences,
// grouping, repeats) decides who hears what — on SQLite and PostgreSQL.
import { createHmac } from "node:crypto";
import { Communicator } from "@pulseboard/channels/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertOutboxOf, alertServiceOf } from "../src/alerts/index.ts";
import { DB_KINDS, nextAlert, type Session, startTestApp, type TestApp } from "./harness.ts";
import {
  type HttpReceiver,
  type Received,
  type SmtpReceiver,
  startHttpReceiver,
  startSmtpReceiver,
} from "./receivers.ts";

type Item = { notification_id: number; rule_id: number; state: string; reason: string; repeat: boolean };
type Body = { version: number; test: boolean; status: string; alerts: Item[]; dashboard: { id: number } };
const bodyOf = (r: Received) => r.json as Body;
const alertsIn = (rs: Received[]) =>
  rs.flatMap((r) => bodyOf(r).alerts.map((a) => `${a.rule_id}:${a.state}`));

describe.each(DB_KINDS)("alert notifications on %s", (kind) => {
  let t: TestApp;
  let smtp: SmtpReceiver;
  let owner: Session;
  let viewer: Session;
  let token: string;
  let dashboardId: number;
  const closers: (() => Promise<void>)[] = [];
  let metrics = 0;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    t = await startTestApp(kind, {
      config: { alertAllowPrivate: true, alertRetryBaseMs: 20, alertPollMs: 200, smtpUrl: smtp.url },
    });
    const o = await t.createUser("olga");
    const v = await t.createUser("vic");
    owner = await t.login("olga", o.password);
    viewer = await t.login("vic", v.password);
    token = await t.createToken("olga");
    dashboardId = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Ops" } })).body
      .id;
    await t.addMember(dashboardId, "vic", "viewer", { session: owner });
  });
  afterAll(async () => {
    for (const c of closers) await c();
    await t?.close();
    await smtp?.close();
  });

  /** A fresh dashboard (so contact points of other specs do not hear its rules). */
  async function dashboard(): Promise<number> {
    const res = await t.api("POST", "/api/v1/dashboards", {
      session: owner,
      body: { name: `D${++metrics}` },
    });
    await t.addMember(res.body.id, "vic", "viewer", { session: owner });
    return res.body.id;
  }
  async function receiver(): Promise<HttpReceiver> {
    const r = await startHttpReceiver();
    closers.push(() => r.close());
    return r;
  }
  async function metric(dash: number): Promise<number> {
    const res = await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
      session: owner,
      body: { name: `n${++metrics}`, type: "gauge", unit: "°C" },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }
  async function rule(dash: number, metricId: number, extra: Record<string, unknown> = {}): Promise<number> {
    const res = await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      session: owner,
      body: { metric_id: metricId, condition: "above", threshold: 90, ...extra },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }
  async function contactPoint(dash: number, body: Record<string, unknown>) {
    const res = await t.api("POST", `/api/v1/dashboards/${dash}/contact-points`, { session: owner, body });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; settings: Record<string, unknown> };
  }
  async function ingest(points: [number, number][]) {
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: points.map(([metric_id, value]) => ({ metric_id, value })) },
    });
    expect(res.status, res.text).toBe(200);
    await alertServiceOf(t.pb.ctx)!.idle();
  }
  async function deliveries(cp: number) {
    const res = await t.api("GET", `/api/v1/contact-points/${cp}/deliveries`, { session: owner });
    expect(res.status).toBe(200);
    return (res.body as { ok: boolean; error: string | null; attempt: number; test: boolean }[]).reverse();
  }
  async function socket(dash: number) {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, {
      cookie: `pb_session=${viewer.cookie}`,
    });
    closers.push(async () => void (await c.close()));
    await c.assertAuthenticated();
    return c;
  }

  it("posts a signed, documented JSON body to a webhook on firing and on resolve", async () => {
    const dash = await dashboard();
    const m = await metric(dash);
    const r = await rule(dash, m);
    const hook = await receiver();
    const cp = await contactPoint(dash, {
      name: "on-call",
      type: "webhook",
      settings: { url: `${hook.url}/hook`, secret: "s3cret-key" },
    });
    await ingest([[m, 95]]);
    await ingest([[m, 10]]);
    const [firing, resolved] = await hook.waitFor(2);
    for (const req of [firing!, resolved!]) {
      const ts = req.headers["x-pulseboard-timestamp"] as string;
      const expected = createHmac("sha256", "s3cret-key").update(`${ts}.${req.body}`).digest("hex");
      expect(req.headers["x-pulseboard-signature"]).toBe(`sha256=${expected}`);
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.path).toBe("/hook");
    }
    expect(bodyOf(firing!)).toEqual({
      version: 1,
      test: false,
      status: "firing",
      dashboard: { id: dash, name: expect.any(String) },
      contact_point: { id: cp.id, name: "on-call" },
      alerts: [
        {
          notification_id: expect.any(Number),
          repeat: false,
          event_id: expect.any(Number),
          rule_id: r,
          metric_id: m,
          metric_name: expect.any(String),
          state: "firing",
          status: "firing",
          reason: "threshold",
          value: 95,
          threshold: 90,
          condition: "above",
          message: expect.stringContaining("above 90"),
          timestamp: expect.stringMatching(/Z$/),
        },
      ],
      sent_at: expect.stringMatching(/Z$/),
    });
    expect(bodyOf(resolved!)).toMatchObject({
      status: "resolved",
      alerts: [{ state: "resolved", value: 10 }],
    });
    await alertOutboxOf(t.pb.ctx)!.idle();
    expect((await deliveries(cp.id)).map((d) => d.ok)).toEqual([true, true]);
  });

  it("never shows a secret back after saving", async () => {
    const dash = await dashboard();
    const hook = await contactPoint(dash, {
      name: "hook",
      type: "webhook",
      settings: { url: "http://127.0.0.1:9/x", secret: "very-secret-hmac" },
    });
    const slack = await contactPoint(dash, {
      name: "chat",
      type: "slack",
      settings: { url: "http://127.0.0.1:9/services/T000/B000/very-secret-token" },
    });
    expect(hook.settings).toMatchObject({ url: "http://127.0.0.1:9/x", has_secret: true });
    expect(slack.settings.url).toBe("http://127.0.0.1:9/…");
    const list = await t.api("GET", `/api/v1/dashboards/${dash}/contact-points`, { session: owner });
    expect(list.text).not.toContain("very-secret");
    // a patch that leaves the secret out keeps it
    const patched = await t.api("PATCH", `/api/v1/contact-points/${hook.id}`, {
      session: owner,
      body: { settings: { timeout_ms: 2000 } },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.settings).toMatchObject({ has_secret: true, timeout_ms: 2000 });
    expect(patched.text).not.toContain("very-secret");
    // viewers cannot see contact points at all
    expect(
      (await t.api("GET", `/api/v1/dashboards/${dash}/contact-points`, { session: viewer })).status,
    ).toBe(403);
  });

  it("refuses malformed contact points with validation details and stores nothing", async () => {
    const dash = await dashboard();
    const cases: [Record<string, unknown>, (string | number)[]][] = [
      [{ name: "x", type: "pager", settings: {} }, ["body", "type"]],
      [{ name: "x", type: "webhook", settings: { url: "ftp://example.com/" } }, ["body", "settings", "url"]],
      [
        { name: "x", type: "webhook", settings: { url: "http://example.com/", timeout_ms: 0 } },
        ["body", "settings", "timeout_ms"],
      ],
      [{ name: "x", type: "email", settings: { to: ["not-an-address"] } }, ["body", "settings", "to", 0]],
      [
        { name: "x", type: "webhook", settings: { url: "http://example.com/" }, rule_ids: [999999] },
        ["body", "rule_ids", 0],
      ],
    ];
    for (const [body, loc] of cases) {
      const res = await t.api("POST", `/api/v1/dashboards/${dash}/contact-points`, { session: owner, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details[0].loc, JSON.stringify(body)).toEqual(loc);
    }
    const list = await t.api("GET", `/api/v1/dashboards/${dash}/contact-points`, { session: owner });
    expect(list.body).toEqual([]);
  });

  it("retries a 500 with backoff until it is accepted, logging every attempt", async () => {
    const dash = await dashboard();
    const m = await metric(dash);
    await rule(dash, m);
    const hook = await receiver();
    hook.script.push({ status: 500 }, { status: 503 });
    const cp = await contactPoint(dash, { name: "flaky", type: "webhook", settings: { url: hook.url } });
    await ingest([[m, 95]]);
    const reqs = await hook.waitFor(3);
    const ids = reqs.map((q) => q.headers["x-pulseboard-delivery"]);
    expect(new Set(ids).size).toBe(1); // the same notification each time
    await alertOutboxOf(t.pb.ctx)!.idle();
    const log = await deliveries(cp.id);
    expect(log.map((d) => [d.attempt, d.ok, d.error])).toEqual([
      [1, false, "HTTP 500"],
      [2, false, "HTTP 503"],
      [3, true, null],
    ]);
  });

  it("gives up after max_attempts on a refused connection, and logs why", async () => {
    const dash = await dashboard();
    const m = await metric(dash);
    await rule(dash, m);
    const gone = await startHttpReceiver();
    const url = gone.url;
    await gone.close(); // nothing listens there any more
    const cp = await contactPoint(dash, {
      name: "gone",
      type: "webhook",
      settings: { url, max_attempts: 2 },
    });
    await ingest([[m, 95]]);
    const deadline = Date.now() + 10_000;
    let log = await deliveries(cp.id);
    while (log.length < 2 && Date.now() < deadline) {
      await alertOutboxOf(t.pb.ctx)!.idle();
      await new Promise((r) => setTimeout(r, 50));
      log = await deliveries(cp.id);
    }
    expect(log.map((d) => d.attempt)).toEqual([1, 2]);
    expect(log.every((d) => !d.ok && /ECONNREFUSED/.test(d.error ?? ""))).toBe(true);
  });

  it("times a slow receiver out and retries, while evaluation carries on", async () => {
    const dash = await dashboard();
    const m1 = await metric(dash);
    const m2 = await metric(dash);
    const r2 = await rule(dash, m2);
    await rule(dash, m1);
    const hook = await receiver();
    hook.script.push({ delayMs: 3000 });
    const cp = await contactPoint(dash, {
      name: "slow",
      type: "webhook",
      settings: { url: hook.url, timeout_ms: 300 },
      rule_ids: null,
    });
    const c = await socket(dash);
    await ingest([[m1, 95]]);
    await hook.waitFor(1); // the first attempt is hanging now
    await ingest([[m2, 99]]);
    expect((await nextAlert(c, r2)).state).toBe("firing"); // evaluated while the webhook hangs
    await hook.waitFor(2);
    await alertOutboxOf(t.pb.ctx)!.idle();
    const log = await deliveries(cp.id);
    expect(log[0]).toMatchObject({ ok: false, error: "no answer within 300 ms" });
    expect(log.some((d) => d.ok)).toBe(true);
  });

  it("lets a slow receiver hold up only its own contact point", async () => {
    const dash = await dashboard();
    const m = await metric(dash);
    await rule(dash, m);
    const slow = await receiver();
    const fast = await receiver();
    slow.script.push({ delayMs: 2000 }, { delayMs: 2000 });
    await contactPoint(dash, {
      name: "slow",
      type: "webhook",
      settings: { url: slow.url, timeout_ms: 10_000 },
    });
    await contactPoint(dash, { name: "fast", type: "webhook", settings: { url: fast.url } });
    await ingest([[m, 95]]);
    await slow.waitFor(1);
    await ingest([[m, 10]]);
    // both transitions reach the fast receiver while the slow one still holds its first request
    await fast.waitFor(2);
    expect(slow.requests).toHaveLength(1);
    expect(alertsIn(fast.requests).map((a) => a.split(":")[1])).toEqual(["firing", "resolved"]);
    await slow.waitFor(2);
    await alertOutboxOf(t.pb.ctx)!.idle();
  });

  it("sends a Slack-compatible incoming-webhook body", async () => {
    const dash = await dashboard();
    const m = await metric(dash);
    await rule(dash, m);
    const hook = await receiver();
    await contactPoint(dash, {
      name: "chat",
      type: "slack",
      settings: { url: `${hook.url}/services/T/B/x` },
    });
    await ingest([[m, 95]]);
    const [req] = await hook.waitFor(1);
    expect(req!.path).toBe("/services/T/B/x");
    const body = req!.json as { text: string; blocks: { type: string }[] };
    expect(body.text).toMatch(/\[FIRING\] n\d+ is above 90 \(value 95\)/);
    expect(body.blocks.map((b) => b.type)).toEqual(["header", "section"]);
  });

  it("emails the recipients through the SMTP server", async () => {
    const dash = await dashboard();
    const m = await metric(dash);
    await rule(dash, m);
    const cp = await contactPoint(dash, {
      name: "mail",
      type: "email",
      settings: { to: ["ops@example.com", "lead@example.com"] },
    });
    const before = smtp.mails.length;
    await ingest([[m, 95]]);
    const mail = (await smtp.waitFor(before + 1)).at(-1)!;
    expect(mail.to).toEqual(["ops@example.com", "lead@example.com"]);
    expect(mail.from).toBe("pulseboard@localhost");
    expect(mail.subject).toMatch(/^\[Pulseboard\] D\d+: \[FIRING\] n\d+ is above 90 \(value 95\)$/);
    expect(mail.raw).toContain("X-Pulseboard-Delivery:");
    await alertOutboxOf(t.pb.ctx)!.idle();
    expect((await deliveries(cp.id)).map((d) => d.ok)).toEqual([true]);
  });

  it("sends a test notification on demand and logs it", async () => {
    const dash = await dashboard();
    const hook = await receiver();
    const cp = await contactPoint(dash, { name: "t", type: "webhook", settings: { url: hook.url } });
    const res = await t.api("POST", `/api/v1/contact-points/${cp.id}/test`, { session: owner });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ ok: true, status_code: 200, error: null });
    const [req] = await hook.waitFor(1);
    expect(bodyOf(req!)).toMatchObject({ test: true, alerts: [] });
    expect(await deliveries(cp.id)).toMatchObject([{ ok: true, test: true }]);
    hook.script.push({ status: 404 });
    const failed = await t.api("POST", `/api/v1/contact-points/${cp.id}/test`, { session: owner });
    expect(failed.body).toMatchObject({ ok: false, status_code: 404, error: "HTTP 404" });
  });

  it("notifies only the rules a contact point follows, and resolves only when asked", async () => {
    const dash = await dashboard();
    const m1 = await metric(dash);
    const m2 = await metric(dash);
    const r1 = await rule(dash, m1);
    await rule(dash, m2);
    const hook = await receiver();
    await contactPoint(dash, {
      name: "r1 only",
      type: "webhook",
      settings: { url: hook.url },
      rule_ids: [r1],
      send_resolved: false,
    });
    await ingest([[m2, 95]]); // not followed
    await ingest([[m1, 95]]);
    await ingest([[m1, 10]]); // resolve not wanted
    await ingest([[m1, 96]]);
    const reqs = await hook.waitFor(2);
    await alertOutboxOf(t.pb.ctx)!.idle();
    expect(alertsIn(hook.requests)).toEqual([`${r1}:firing`, `${r1}:firing`]);
    expect(reqs).toHaveLength(2);
  });

  it("mutes a silenced rule and a silenced dashboard until the silence ends", async () => {
    const dash = await dashboard();
    const m1 = await metric(dash);
    const m2 = await metric(dash);
    const r1 = await rule(dash, m1);
    const r2 = await rule(dash, m2);
    const hook = await receiver();
    await contactPoint(dash, { name: "all", type: "webhook", settings: { url: hook.url } });
    const until = new Date(Date.now() + 3600_000).toISOString();
    const silence = await t.api("POST", `/api/v1/dashboards/${dash}/silences`, {
      session: owner,
      body: { rule_id: r1, ends_at: until, comment: "maintenance" },
    });
    expect(silence.status, silence.text).toBe(201);
    await ingest([[m1, 95]]); // muted
    await ingest([[m2, 95]]);
    await hook.waitFor(1);
    await alertOutboxOf(t.pb.ctx)!.idle();
    expect(alertsIn(hook.requests)).toEqual([`${r2}:firing`]);
    const states = await t.api("GET", `/api/v1/dashboards/${dash}/alert-states`, { session: viewer });
    expect(states.body.find((s: { rule_id: number }) => s.rule_id === r1)).toMatchObject({
      status: "firing",
      silenced_until: until,
    });
    // the whole dashboard muted: nothing more
    const all = await t.api("POST", `/api/v1/dashboards/${dash}/silences`, {
      session: owner,
      body: { ends_at: until },
    });
    expect(all.status).toBe(201);
    await ingest([[m2, 10]]);
    // the silence lifted: the next transition is heard again
    expect((await t.api("DELETE", `/api/v1/silences/${all.body.id}`, { session: owner })).status).toBe(204);
    await ingest([[m2, 97]]);
    await hook.waitFor(2);
    await alertOutboxOf(t.pb.ctx)!.idle();
    expect(alertsIn(hook.requests)).toEqual([`${r2}:firing`, `${r2}:firing`]);
    const past = await t.api("POST", `/api/v1/dashboards/${dash}/silences`, {
      session: owner,
      body: { ends_at: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status).toBe(400);
    expect(
      (
        await t.api("POST", `/api/v1/dashboards/${dash}/silences`, {
          session: viewer,
          body: { ends_at: until },
        })
      ).status,
    ).toBe(403);
  });

  it("groups transitions that fire together into one message", async () => {
    const dash = await dashboard();
    const m1 = await metric(dash);
    const m2 = await metric(dash);
    const r1 = await rule(dash, m1);
    const r2 = await rule(dash, m2);
    const hook = await receiver();
    await contactPoint(dash, { name: "grouped", type: "webhook", settings: { url: hook.url } });
    await ingest([
      [m1, 95],
      [m2, 95],
    ]);
    const [req] = await hook.waitFor(1);
    await alertOutboxOf(t.pb.ctx)!.idle();
    expect(
      bodyOf(req!)
        .alerts.map((a) => a.rule_id)
        .sort(),
    ).toEqual([r1, r2].sort());
    expect(hook.requests).toHaveLength(1);
  });

  it("groups transitions within group_wait_ms of the first", async () => {
    const dash = await dashboard();
    const m1 = await metric(dash);
    const m2 = await metric(dash);
    const r1 = await rule(dash, m1);
    const r2 = await rule(dash, m2);
    const hook = await receiver();
    await contactPoint(dash, {
      name: "waits",
      type: "webhook",
      settings: { url: hook.url },
      group_wait_ms: 3000,
    });
    await ingest([[m1, 95]]);
    await ingest([[m2, 95]]);
    const [req] = await hook.waitFor(1);
    await alertOutboxOf(t.pb.ctx)!.idle();
    expect(bodyOf(req!).alerts.map((a) => a.rule_id)).toEqual([r1, r2]);
    expect(hook.requests).toHaveLength(1);
  });

  it("repeats a still-firing alert every repeat_interval_s until it resolves", async () => {
    const dash = await dashboard();
    const m = await metric(dash);
    const r = await rule(dash, m);
    const hook = await receiver();
    await contactPoint(dash, {
      name: "nag",
      type: "webhook",
      settings: { url: hook.url },
      repeat_interval_s: 1,
    });
    await ingest([[m, 95]]);
    const [first, second] = await hook.waitFor(2);
    expect(bodyOf(first!).alerts[0]).toMatchObject({ rule_id: r, repeat: false });
    expect(bodyOf(second!).alerts[0]).toMatchObject({ rule_id: r, repeat: true });
    await ingest([[m, 10]]);
    let n = 3;
    while (!hook.requests.some((q) => bodyOf(q).status === "resolved")) await hook.waitFor(n++);
    const states = hook.requests.map((q) => `${bodyOf(q).alerts[0]!.state}:${bodyOf(q).alerts[0]!.repeat}`);
    expect(states.at(-1)).toBe("resolved:false");
    expect(new Set(states.slice(1, -1))).toEqual(new Set(["firing:true"]));
  });
});
