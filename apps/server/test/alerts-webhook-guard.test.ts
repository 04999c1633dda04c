// Specification of the outbound-request guard on webhook and Slack contact points: users choose
// the URLs, so loopback, private and link-local targets are refused unless the administrator
// allows them (PULSEBOARD_ALERT_ALLOW_PRIVATE or an allow-list), whether written as an address,
// reached through a name, or through a redirect; answers are capped in size and time.
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertOutboxOf, alertServiceOf } from "../src/alerts/index.ts";
import { addressAllowed } from "../src/alerts/notifiers/guard.ts";
import { type Session, startTestApp, type TestApp } from "./harness.ts";
import { type HttpReceiver, startHttpReceiver } from "./receivers.ts";

describe("webhook address guard", () => {
  let t: TestApp;
  let owner: Session;
  let token: string;
  let hook: HttpReceiver;
  let metrics = 0;

  beforeAll(async () => {
    hook = await startHttpReceiver();
    // the receiver is reached as "localhost", a name on the allow-list; no address is listed
    t = await startTestApp("sqlite", {
      config: {
        alertAllowPrivate: false,
        alertAllowHosts: ["localhost"],
        alertRetryBaseMs: 20,
        alertPollMs: 200,
      },
    });
    const o = await t.createUser("olga");
    owner = await t.login("olga", o.password);
    token = await t.createToken("olga");
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  async function setup(url: string, extra: Record<string, unknown> = {}) {
    const dash = (
      await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: `G${++metrics}` } })
    ).body.id as number;
    const metric = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: "m", type: "gauge" },
      })
    ).body.id as number;
    await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      session: owner,
      body: { metric_id: metric, condition: "above", threshold: 1 },
    });
    const cp = await t.api("POST", `/api/v1/dashboards/${dash}/contact-points`, {
      session: owner,
      body: { name: "hook", type: "webhook", settings: { url, max_attempts: 1, ...extra } },
    });
    return { dash, metric, cp };
  }
  async function fire(metric: number) {
    await t.api("POST", "/api/v1/ingest", { token, body: { points: [{ metric_id: metric, value: 5 }] } });
    await alertServiceOf(t.pb.ctx)!.idle();
    await alertOutboxOf(t.pb.ctx)!.idle();
  }
  async function log(cp: number) {
    for (let i = 0; i < 100; i++) {
      const res = await t.api("GET", `/api/v1/contact-points/${cp}/deliveries`, { session: owner });
      if (res.body.length > 0) return res.body as { ok: boolean; error: string | null }[];
      await alertOutboxOf(t.pb.ctx)!.idle();
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("no delivery logged");
  }

  it("classifies addresses: public unicast only, unless allowed", () => {
    const strict = { allowPrivate: false, allowHosts: [] };
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fe80::1",
      "fd00::1",
      "0.0.0.0",
      "::ffff:127.0.0.1",
      "100.64.0.1",
    ]) {
      expect(addressAllowed(strict, "h", a), a).toBe(false);
    }
    for (const a of ["93.184.216.34", "2606:4700::1111"])
      expect(addressAllowed(strict, "h", a), a).toBe(true);
    expect(addressAllowed({ allowPrivate: true, allowHosts: [] }, "h", "10.0.0.1")).toBe(true);
    expect(addressAllowed({ allowPrivate: false, allowHosts: ["10.0.0.0/8"] }, "h", "10.9.9.9")).toBe(true);
    expect(
      addressAllowed({ allowPrivate: false, allowHosts: ["hooks.internal"] }, "hooks.internal", "10.9.9.9"),
    ).toBe(true);
  });

  it("refuses a private address written in the URL when saving", async () => {
    for (const url of [
      "http://10.0.0.5/hook",
      "http://[::1]:8080/",
      "http://169.254.169.254/latest/meta-data",
    ]) {
      const { cp } = await setup(url);
      expect(cp.status, url).toBe(400);
      expect(cp.body.error.details[0]).toMatchObject({ loc: ["body", "settings", "url"] });
    }
  });

  it("refuses a name that resolves to loopback when delivering, and logs why", async () => {
    // the machine's own name resolves to a loopback (or private) address and is not listed
    const { metric, cp } = await setup(`http://${hostname()}:${hook.port}/hook`);
    expect(cp.status, cp.text).toBe(201);
    const before = hook.requests.length;
    await fire(metric);
    const [attempt] = await log(cp.body.id);
    expect(attempt).toMatchObject({
      ok: false,
      error: expect.stringMatching(/loopback, private or link-local/),
    });
    expect(hook.requests.length).toBe(before);
  });

  it("follows no redirect to a disallowed address", async () => {
    const { metric, cp } = await setup(`http://localhost:${hook.port}/first`);
    hook.script.push({ status: 307, location: `${hook.url}/second` });
    const before = hook.requests.length;
    await fire(metric);
    const [attempt] = await log(cp.body.id);
    expect(attempt).toMatchObject({
      ok: false,
      error: expect.stringMatching(/loopback, private or link-local/),
    });
    expect(hook.requests.slice(before).map((r) => r.path)).toEqual(["/first"]);
  });

  it("follows a redirect to an allowed address", async () => {
    const { metric, cp } = await setup(`http://localhost:${hook.port}/old`);
    hook.script.push({ status: 308, location: `http://localhost:${hook.port}/new` });
    const before = hook.requests.length;
    await fire(metric);
    const [attempt] = await log(cp.body.id);
    expect(attempt).toMatchObject({ ok: true });
    expect(hook.requests.slice(before).map((r) => r.path)).toEqual(["/old", "/new"]);
  });

  it("stops reading a huge answer and still records the delivery", async () => {
    const { metric, cp } = await setup(`http://localhost:${hook.port}/big`);
    hook.script.push({ bodyBytes: 50 * 1024 * 1024 });
    await fire(metric);
    const [attempt] = await log(cp.body.id);
    expect(attempt).toMatchObject({ ok: true });
  });
});
