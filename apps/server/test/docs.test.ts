// Specifications of the developer pages: /asyncapi.json (valid AsyncAPI 3.0 for the official
// parser, covering every message of the dashboard protocol), /docs (renders it, text only, by
// @asyncapi/react-component under the strict CSP), /docs/rest (the REST routes of /openapi.json)
// and /playground (driven in headless Chromium: connect to a dashboard, send ping, see pong).
import { request } from "node:http";
import { Parser } from "@asyncapi/parser";
import { ensurePageBuilt } from "@pulseboard/asyncapi-page/build";
import { type ChromiumHandle, launchChromium, recordCspViolations } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Session, startTestApp, type TestApp } from "./harness.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests walk free-form JSON
type Any = Record<string, any>;

let t: TestApp;
let chromium: ChromiumHandle;
let owner: Session;
let token: string;
let dashboardId: number;

beforeAll(async () => {
  ensurePageBuilt();
  t = await startTestApp("sqlite", {});
  const o = await t.createUser("olga");
  owner = await t.login("olga", o.password);
  token = await t.createToken("olga");
  dashboardId = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Ops" } })).body
    .id;
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await t?.close();
});

async function asyncapi(): Promise<Any> {
  const res = await t.api("GET", "/asyncapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.body;
}

describe("/asyncapi.json", () => {
  it("is an AsyncAPI 3.0 document the official parser accepts with no errors", async () => {
    const doc = await asyncapi();
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.code}: ${e.message} at ${e.path.join(".")}`)).toEqual([]);
    expect(document?.version()).toBe("3.0.0");
  });

  it("documents the dashboard endpoint with its id parameter", async () => {
    const doc = await asyncapi();
    expect(doc.channels.dashboard.address).toBe("/ws/dashboard/{id}/");
    expect(doc.channels.dashboard.parameters.id.description).toMatch(/Dashboard id/);
  });

  it("lists every client and server message of the protocol, extensions included", async () => {
    const doc = await asyncapi();
    const names = (op: string) => doc.operations[op].messages.map((m: Any) => m.$ref.split("/").pop());
    expect(names("dashboard.receive").sort()).toEqual(
      [
        "ping",
        "subscribe",
        "unsubscribe",
        "subscribe_series",
        "unsubscribe_series",
        "resume",
        "pause",
        "resume_stream",
      ]
        .map((a) => `client.${a}`)
        .sort(),
    );
    expect(names("dashboard.send").sort()).toEqual(
      [
        "authentication",
        "error",
        "complete",
        "draining",
        "dashboard_config",
        "metric_history",
        "metric_update",
        "pong",
        "presence",
        "alert",
        "resumed",
        "paused",
      ]
        .map((a) => `server.${a}`)
        .sort(),
    );
  });

  it("describes both shapes of the error message and the alert payload fields", async () => {
    const m = (await asyncapi()).components.messages;
    const shapes = m["dashboard.server.error"].payload.properties.payload.anyOf;
    expect(shapes.map((s: Any) => s.type).sort()).toEqual(["array", "object"]);
    expect(Object.keys(m["dashboard.server.alert"].payload.properties.payload.properties).sort()).toEqual(
      [
        "id",
        "rule_id",
        "metric_id",
        "metric_name",
        "state",
        "value",
        "threshold",
        "message",
        "timestamp",
        "status",
        "reason",
      ].sort(),
    );
  });

  it("names the host the reader connected to, and refuses a hostile Host header (421) without echoing it", async () => {
    expect((await asyncapi()).servers.default.host).toBe(`127.0.0.1:${t.port}`);
    // fetch() may rewrite Host, so send the raw header with node:http
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: t.port,
          path: "/asyncapi.json",
          headers: { host: "evil.example/<script>" },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(JSON.parse(body).error.code).toBe("PB_ERR_HOST_NOT_ALLOWED");
    expect(body).not.toContain("evil");
    expect(body).not.toContain("<");
  });
});

describe("/docs", () => {
  it("is served with a CSP that forbids inline, third-party and eval'd scripts", async () => {
    const res = await t.api("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const bundle = /src="(\/docs\/assets\/[^"]+\.js)"/.exec(res.text)?.[1];
    expect((await t.api("GET", bundle!)).headers.get("content-type")).toMatch(/javascript/);
  });

  it("serves the page the document as the official parser resolved it, naming the reader's host", async () => {
    const res = await t.api("GET", "/docs/document.json");
    expect(res.status).toBe(200);
    expect(res.body["x-parser-spec-stringified"]).toBe(true);
    expect(res.body.servers.default.host).toBe(`127.0.0.1:${t.port}`);
    expect(Object.keys(res.body.components.messages)).toEqual(
      Object.keys((await asyncapi()).components.messages),
    );
  });

  /** Opens /docs and records every CSP violation. */
  async function openDocs() {
    const page = await chromium.context.newPage();
    const violations = await recordCspViolations(page);
    await page.goto(`${t.url}/docs`);
    await page.waitForSelector("#messages li[id^='message-']");
    return { page, violations };
  }

  it("renders the dashboard consumer's operations and messages with AsyncAPI's React component, with no CSP violation", async () => {
    const { page, violations } = await openDocs();
    try {
      const ids = await page.$$eval("[id]", (els) => els.map((e) => e.id));
      expect(ids).toContain("operation-receive-dashboard.receive");
      expect(ids).toContain("operation-send-dashboard.send");
      for (const m of [
        "client.ping",
        "client.subscribe",
        "client.resume",
        "client.resume_stream",
        "server.metric_update",
        "server.alert",
        "server.presence",
        "server.authentication",
        "server.error",
      ]) {
        expect(ids).toContain(`message-dashboard.${m}`);
      }
      const alert = "[id='message-dashboard.server.alert']";
      await page.click(`${alert} button:has-text("Expand all")`);
      expect(await page.textContent(alert)).toContain("threshold");
      // Each message shows the example the generator made with openapi-sampler.
      const doc = await asyncapi();
      expect(doc.components.messages["dashboard.client.subscribe"].examples[0].payload).toEqual({
        action: "subscribe",
        payload: [1],
      });
      const subscribe = await page.textContent("[id='message-dashboard.client.subscribe']");
      expect(subscribe?.replace(/\s+/g, "")).toContain('{"action":"subscribe","payload":[1]}');
      expect(await page.textContent("body")).toContain("/ws/dashboard/{id}/");
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("renders the REST routes of /openapi.json at /docs/rest, linked from /docs", async () => {
    const page = await chromium.context.newPage();
    const violations = await recordCspViolations(page);
    try {
      await page.goto(`${t.url}/docs`);
      await page.click('nav a[href="/docs/rest"]');
      await page.waitForURL(/\/docs\/rest$/);
      await page.waitForSelector('#rest section[data-operation="createDashboard"]');
      const create = await page.textContent('#rest section[data-operation="createDashboard"]');
      expect(create).toContain("POST");
      expect(create).toContain("/api/v1/dashboards");
      expect(create).toContain("answer 201");
      expect(create).toContain("slug");
      const operations = await page.$$eval("#rest section[data-operation]", (els) => els.length);
      const doc = (await t.api("GET", "/openapi.json")).body;
      expect(operations).toBe(Object.values(doc.paths as Any).flatMap((item) => Object.keys(item)).length);
      expect(await page.getAttribute('nav a[href="/openapi.json"]', "href")).toBe("/openapi.json");
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("never runs markup of the document: descriptions are sanitized Markdown", async () => {
    const page = await chromium.context.newPage();
    try {
      const hostile = '<img src=x id=pwned onerror="document.body.dataset.pwned=1">';
      const doc = await asyncapi();
      doc.info.description = hostile;
      doc.channels.dashboard.description = hostile;
      doc.components.messages["dashboard.server.alert"].description = `\`${hostile}\``;
      const { renderableDocument } = await import("@pulseboard/asyncapi-page");
      const body = await renderableDocument(JSON.stringify(doc));
      await page.route("**/docs/document.json", (route) =>
        route.fulfill({ status: 200, contentType: "application/json", body }),
      );
      await page.goto(`${t.url}/docs`);
      await page.waitForSelector("#messages li[id^='message-']");
      expect(await page.$$eval("[onerror]", (els) => els.length)).toBe(0);
      // In a code span the markup is text.
      expect(await page.textContent("[id='message-dashboard.server.alert']")).toContain(hostile);
      expect(await page.evaluate(() => document.body.dataset.pwned)).toBeUndefined();
    } finally {
      await page.close();
    }
  });
});

describe("/playground", () => {
  async function open(query = "") {
    const page = await chromium.context.newPage();
    await page.goto(`${t.url}/playground${query}`);
    await page.waitForSelector("body[data-ready=true]");
    return page;
  }

  it("is served with the same strict CSP", async () => {
    const res = await t.api("GET", "/playground");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect((await t.api("GET", "/playground/playground.js")).headers.get("content-type")).toMatch(
      /javascript/,
    );
  });

  it("connects with the session cookie, sends the prefilled ping and shows the pong", async () => {
    await chromium.context.addCookies([{ name: "pb_session", value: owner.cookie, url: t.url }]);
    const page = await open();
    try {
      expect(await page.$$eval("#endpoint option", (els) => els.map((e) => e.textContent))).toEqual([
        "/ws/dashboard/{id}/",
      ]);
      await page.fill("#param-id", String(dashboardId));
      await page.click("#connect");
      await page.waitForSelector("#status[data-state=open]");
      await page.waitForFunction(() =>
        document.querySelector("#log")?.textContent?.includes('"status_code":200'),
      );
      await page.selectOption("#message", { label: "ping" });
      expect(JSON.parse(await page.inputValue("#frame"))).toMatchObject({ action: "ping" });
      await page.click("#send");
      await page.waitForFunction(() =>
        [...document.querySelectorAll("#log li.frame-in")].some((li) =>
          li.textContent?.includes('"action":"pong"'),
        ),
      );
      const out = await page.$$eval("#log li.frame-out", (els) => els.map((e) => e.textContent));
      expect(out.some((text) => text?.includes('"action":"ping"'))).toBe(true);
    } finally {
      await page.close();
      await chromium.context.clearCookies();
    }
  });

  it("connects with an API token and prefills path parameters from the query", async () => {
    const page = await open(`?id=${dashboardId}`);
    try {
      expect(await page.inputValue("#param-id")).toBe(String(dashboardId));
      await page.selectOption("#auth", "token");
      await page.fill("#token", token);
      expect(await page.textContent("#url")).not.toContain(token);
      await page.click("#connect");
      await page.waitForFunction(() =>
        document.querySelector("#log")?.textContent?.includes('"action":"dashboard_config"'),
      );
    } finally {
      await page.close();
    }
  });

  it("shows the server's refusal when connecting without credentials", async () => {
    const page = await open(`?id=${dashboardId}`);
    try {
      await page.click("#connect");
      await page.waitForFunction(() => document.querySelector("#log")?.textContent?.includes("code 4001"));
      expect(await page.textContent("#log")).toContain('"status_code":401');
    } finally {
      await page.close();
    }
  });

  it("sends what was typed, even invalid JSON, and logs the error answer as text", async () => {
    await chromium.context.addCookies([{ name: "pb_session", value: owner.cookie, url: t.url }]);
    const page = await open(`?id=${dashboardId}`);
    try {
      await page.click("#connect");
      await page.waitForSelector("#status[data-state=open]");
      await page.fill("#frame", '{"action": "<img src=x id=pwned>"');
      await page.click("#send");
      await page.waitForFunction(() =>
        [...document.querySelectorAll("#log li.frame-in")].some((li) =>
          li.textContent?.includes('"action":"error"'),
        ),
      );
      expect(await page.$("#pwned")).toBeNull();
      expect(await page.textContent("#log")).toContain("<img src=x id=pwned>");
    } finally {
      await page.close();
      await chromium.context.clearCookies();
    }
  });
});
