// The dashboard UI in Chromium against the real server: live values, pause/resume, export,
// theme and layout persistence, sharing, and server strings shown as text only.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  chartSeries,
  createFixture,
  ensureWebBuilt,
  type Fixture,
  ingest,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  settled,
  signedInBrowser,
  startServer,
  untilLive,
} from "./e2e.ts";

const BOB = { username: "bob", password: "bob-password-1" };
let server: ServerProcess;
let browser: ChromiumHandle;
let fixture: Fixture;
let downloads: string;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer({}, { users: [BOB] });
  fixture = await createFixture(server.url, "UI spec", 3);
  downloads = mkdtempSync(join(tmpdir(), "pb-web-downloads-"));
  browser = await signedInBrowser(server.url, { downloadsPath: downloads });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

async function openDashboard(id = fixture.dashboardId): Promise<Page> {
  return openLiveDashboard(browser, server.url, id);
}

let clock = Date.now() - 60_000;
/** Distinct, increasing timestamps near now, so every point is its own chart point. */
function nextTimestamp(): string {
  clock = Math.max(clock + 1, Date.now() - 30_000);
  return new Date(clock).toISOString();
}

async function waitForPoint(page: Page, metricId: number, timestamp: string, timeout = 10_000) {
  const ms = Date.parse(timestamp);
  await page.waitForFunction(
    ([id, t]) => window.__pulseboardSeries(id)?.timestamps.includes(t) ?? false,
    [metricId, ms] as const,
    { timeout },
  );
}

describe("dashboard UI", () => {
  it("creates a dashboard from the list, owned by its creator, and opens it", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(server.url);
      await page.getByRole("heading", { name: "Dashboards" }).waitFor();
      await page.fill("input[name=dashboard-name]", "Made in the UI");
      await page.getByRole("button", { name: "Create" }).click();
      // The page adds its time range to the URL (?from=…&to=…) once it has loaded.
      await page.waitForURL(/\/dashboards\/\d+(\?|$)/);
      await untilLive(page);
      await page.goto(server.url);
      await expect(page.getByRole("link", { name: /Made in the UI/ }).textContent()).resolves.toContain(
        "owner",
      );
    } finally {
      await page.close();
    }
  });

  it("creates an API token shown once that ingests points, and revokes it", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.url}/tokens`);
      await page.fill("input[name=token-name]", "ingest script");
      await page.getByRole("button", { name: "Create token" }).click();
      const token = (await page.getByTestId("new-token").textContent())?.trim() ?? "";
      expect(token.length).toBeGreaterThan(20);
      // An old timestamp: the point must not become the "current value" other specs look at.
      const point = { metric_id: fixture.metricIds[0], value: 7, timestamp: "2020-01-01T00:00:00Z" };
      const ingestWith = () =>
        fetch(`${server.url}/api/v1/ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ points: [point] }),
        });
      expect((await ingestWith()).status).toBe(200);
      await page.reload();
      await expect(page.getByTestId("new-token").count()).resolves.toBe(0); // shown only once
      await page.getByRole("button", { name: "Revoke ingest script" }).click();
      await page.getByRole("button", { name: "Revoke ingest script" }).waitFor({ state: "detached" });
      expect((await ingestWith()).status).toBe(401);
    } finally {
      await page.close();
    }
  });

  it("lists the dashboards the user is a member of with their role", async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    const link = page.getByRole("link", { name: /UI spec/ });
    await link.waitFor();
    await expect(link.textContent()).resolves.toContain("owner");
    await page.close();
  });

  it("shows values arriving live in the card and the chart", async () => {
    const page = await openDashboard();
    const [metric] = fixture.metricIds as [number];
    const points = [41.5, 42.25, 43.75].map((value) => ({
      metric_id: metric,
      value,
      timestamp: nextTimestamp(),
    }));
    await ingest(server.url, fixture.token, points);
    const last = points.at(-1)!;
    await waitForPoint(page, metric, last.timestamp);
    await expect(page.getByTestId(`value-${metric}`).textContent()).resolves.toBe("43.75 ms");
    const series = await chartSeries(page, metric);
    for (const p of points) expect(series?.timestamps).toContain(Date.parse(p.timestamp));
    const received = Number((await page.getByTestId("received-count").textContent())?.replace(/,/g, ""));
    expect(received).toBeGreaterThanOrEqual(3);
    await page.close();
  });

  it("pausing holds chart updates back and resuming replays what was missed", async () => {
    const page = await browser.context.newPage();
    // The server's `paused` answer is what says it stopped (the toggle shows "Paused" at once; a
    // resume the page sent on connect, from the view it kept, may still be replaying before it).
    let serverPaused = false;
    page.on("websocket", (ws) =>
      ws.on("framereceived", (f) => {
        if (String(f.payload).startsWith('{"action":"paused"')) serverPaused = true;
      }),
    );
    await page.goto(`${server.url}/dashboards/${fixture.dashboardId}`);
    await untilLive(page);
    const [, metric] = fixture.metricIds as [number, number];
    await page.getByTestId("pause-toggle").click();
    await page.getByTestId("connection-status").filter({ hasText: "Paused" }).waitFor();
    await expect.poll(() => serverPaused).toBe(true);
    const missed = { metric_id: metric, value: 7, timestamp: nextTimestamp() };
    await ingest(server.url, fixture.token, [missed]);
    await page.waitForTimeout(1500);
    expect((await chartSeries(page, metric))?.timestamps).not.toContain(Date.parse(missed.timestamp));
    await page.getByTestId("pause-toggle").click();
    await waitForPoint(page, metric, missed.timestamp);
    await untilLive(page);
    await page.close();
  });

  it("exports the dashboard as CSV and JSON downloads", async () => {
    const [metric] = fixture.metricIds as [number];
    const point = { metric_id: metric, value: 123.5, timestamp: nextTimestamp() };
    await ingest(server.url, fixture.token, [point]);
    const page = await openDashboard();
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    const csvText = readFileSync((await csv.path())!, "utf8");
    expect(csvText.split("\n")[0]?.trim()).toBe("metric_id,metric_name,unit,timestamp,value");
    expect(csvText).toContain(`${metric},metric_00,ms,${point.timestamp},123.5`);
    const [json] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("export-json").click(),
    ]);
    const body = JSON.parse(readFileSync((await json.path())!, "utf8")) as {
      metrics: { id: number; values: { value: number; timestamp: string }[] }[];
    };
    const exported = body.metrics.find((m) => m.id === metric);
    expect(exported?.values).toContainEqual({ value: 123.5, timestamp: point.timestamp });
    await page.close();
  });

  it("remembers the chosen theme on the server across a reload", async () => {
    const page = await openDashboard();
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    const next = before === "dark" ? "light" : "dark";
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/v1/me/preferences") && r.status() === 200),
      page.getByTestId("theme-toggle").click(),
    ]);
    // Forget the local copy: what comes back must come from /auth/me.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.getByTestId("connection-status").waitFor();
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, next);
    const { call } = await restSession(server.url);
    expect((await call<{ preferences: { theme: string } }>("GET", "/api/v1/auth/me")).preferences.theme).toBe(
      next,
    );
    await page.close();
  });

  it("stacks the cards in one full-width column, in reading order, on a phone-sized screen", async () => {
    const { call } = await restSession(server.url);
    const path = `/api/v1/dashboards/${fixture.dashboardId}/layout`;
    const before = await call<{ widgets: { id: string; x: number; y: number }[] }>("GET", path);
    const phone = await signedInBrowser(server.url, { viewport: { width: 390, height: 844 } });
    try {
      const page = await openLiveDashboard(phone, server.url, fixture.dashboardId);
      const grid = (await page.getByTestId("grid").boundingBox())!;
      const boxes = () =>
        page.locator("[data-widget-id]").evaluateAll((els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            return { id: el.getAttribute("data-widget-id")!, x: r.x, y: r.y, width: r.width };
          }),
        );
      const cards = await settled(page, boxes);
      expect(cards.length).toBeGreaterThan(2);
      for (const c of cards) {
        expect(Math.abs(c.x - cards[0]!.x)).toBeLessThan(1); // one column
        expect(c.width).toBeGreaterThan(grid.width * 0.9); // full width
      }
      // Top to bottom in the order a reader of the wide layout would meet them.
      const shown = [...cards].sort((a, b) => a.y - b.y).map((c) => c.id);
      const { widgets } = await call<{ widgets: { id: string; x: number; y: number }[] }>("GET", path);
      const reading = [...widgets].sort((a, b) => a.y - b.y || a.x - b.x).map((w) => w.id);
      if (widgets.length > 0) expect(shown).toEqual(reading);
      // Only the view changed: the stored layout is as it was.
      expect(widgets).toEqual(before.widgets);
      await page.close();
    } finally {
      await phone.close();
    }
  });

  it("keeps rearranged widgets in place after a reload", async () => {
    const page = await openDashboard();
    await page.getByTestId("edit-toggle").click();
    // The first metric card (top-left in the default layout).
    const cardId = `m${fixture.metricIds[0]}`;
    const card = page.locator(`[data-widget-id="${cardId}"]`);
    // Positions relative to the grid: the edit bar above it comes and goes.
    const place = async () => {
      const grid = (await page.getByTestId("grid").boundingBox())!;
      const item = (await card.boundingBox())!;
      return { x: Math.round(item.x - grid.x), y: Math.round(item.y - grid.y), w: Math.round(item.width) };
    };
    const before = await settled(page, place);
    const title = card.locator(".widget-title");
    const box = (await title.boundingBox())!;
    // Drag the card by its title down below the first row of charts.
    await page.mouse.move(box.x + 20, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + 20 + i * 60, box.y + box.height / 2 + i * 40);
    await page.mouse.up();
    await page.getByTestId("save-state").filter({ hasText: "Layout saved" }).waitFor();
    const moved = await settled(page, place);
    expect(moved).not.toEqual(before);
    const { call } = await restSession(server.url);
    const saved = await call<{ widgets: { id: string; x: number; y: number }[] }>(
      "GET",
      `/api/v1/dashboards/${fixture.dashboardId}/layout`,
    );
    expect(saved.widgets.find((w) => w.id === cardId)).not.toMatchObject({ x: 0, y: 0 });
    await page.reload();
    await untilLive(page);
    await expect.poll(place, { timeout: 10_000 }).toEqual(moved);
    await page.close();
  });

  it("invites another user by name and role; they accept on their dashboard list and get that role", async () => {
    const page = await openDashboard();
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByLabel("User name").fill("bob");
    await page.getByLabel("Role").selectOption("editor");
    await page.getByRole("button", { name: "Share", exact: true }).last().click();
    await page.getByText("Invited bob as editor: they get access once they accept.").waitFor();
    const pending = page.getByTestId("pending-invitations");
    await pending.getByText("pending").waitFor();
    expect(await pending.getByLabel("Invited role of bob").inputValue()).toBe("editor");
    const bob = await restSession(server.url, BOB.username, BOB.password);
    const roleOf = async () =>
      (await bob.call<{ id: number; role: string }[]>("GET", "/api/v1/dashboards")).find(
        (d) => d.id === fixture.dashboardId,
      )?.role;
    expect(await roleOf()).toBeUndefined();

    const bobs = await signedInBrowser(server.url, {}, BOB);
    try {
      const list = await bobs.context.newPage();
      await list.goto(`${server.url}/`);
      const invitations = list.getByTestId("invitations");
      await invitations.getByText("UI spec").waitFor();
      await invitations.getByText("invited by demo").waitFor();
      await list.getByRole("button", { name: "Accept the invitation to UI spec" }).click();
      await list.getByText("You are now editor of UI spec.").waitFor();
      await list.locator(".dashboard-link").filter({ hasText: "UI spec" }).getByText("editor").waitFor();
      expect(await roleOf()).toBe("editor");
    } finally {
      await bobs.close();
    }
    await page.reload();
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByLabel("Role of bob").waitFor();
    expect(await page.getByTestId("pending-invitations").count()).toBe(0);
    await page.close();
  });

  it("withdraws a pending invitation, and an invitee declines one: neither gives access", async () => {
    const page = await openDashboard();
    await page.getByRole("button", { name: "Share" }).click();
    await page.getByLabel("User name").fill("nobody-here");
    await page.getByRole("button", { name: "Share", exact: true }).last().click();
    await page.getByText("Invited nobody-here as viewer: they get access once they accept.").waitFor();
    await page.getByRole("button", { name: "Withdraw the invitation of nobody-here" }).click();
    await page.getByText("The invitation of nobody-here is withdrawn.").waitFor();
    expect(await page.getByTestId("pending-invitations").count()).toBe(0);
    await page.close();

    const { call } = await restSession(server.url);
    const other = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "Declined board" });
    await call("PUT", `/api/v1/dashboards/${other.id}/members`, { username: "bob", role: "viewer" });
    const bobs = await signedInBrowser(server.url, {}, BOB);
    try {
      const list = await bobs.context.newPage();
      await list.goto(`${server.url}/`);
      await list.getByRole("button", { name: "Decline the invitation to Declined board" }).click();
      await list.getByText("Declined the invitation to Declined board.").waitFor();
      expect(await list.locator(".dashboard-link").filter({ hasText: "Declined board" }).count()).toBe(0);
    } finally {
      await bobs.close();
    }
    const bob = await restSession(server.url, BOB.username, BOB.password);
    expect(await bob.call("GET", "/api/v1/invitations")).toEqual([]);
  });

  it("changes a member's role and removes them: their open dashboard stops with a notice", async () => {
    const { call } = await restSession(server.url);
    await addMember(server.url, call, fixture.dashboardId, BOB, "editor");
    const bobs = await signedInBrowser(server.url, {}, BOB);
    try {
      const theirs = await openLiveDashboard(bobs, server.url, fixture.dashboardId);
      const page = await openDashboard();
      await page.getByRole("button", { name: "Share" }).click();
      await page.getByLabel("Role of bob").selectOption("viewer");
      await page.getByText("bob is now viewer.").waitFor();
      const bob = await restSession(server.url, BOB.username, BOB.password);
      const roleOf = async () =>
        (await bob.call<{ id: number; role: string }[]>("GET", "/api/v1/dashboards")).find(
          (d) => d.id === fixture.dashboardId,
        )?.role;
      expect(await roleOf()).toBe("viewer");

      await page.getByRole("button", { name: "Remove bob" }).click();
      await page.getByText("bob no longer has access.").waitFor();
      expect(await page.getByLabel("Role of bob").count()).toBe(0);
      expect(await roleOf()).toBeUndefined();
      // Their page is told at once, as text, and its stream stays stopped.
      await theirs.bringToFront();
      await theirs
        .getByTestId("access-notice")
        .filter({ hasText: "Your access to this dashboard was removed" })
        .waitFor();
      await theirs.getByTestId("connection-status").filter({ hasText: "No access" }).waitFor();
      await page.close();
    } finally {
      await bobs.close();
    }
  });

  it("shows hostile metric names as text, never as HTML", async () => {
    const { call } = await restSession(server.url);
    const hostile = '<img src=x onerror="window.__xss=1">';
    const d = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: `<b>${hostile}</b>` });
    const m = await call<{ id: number }>("POST", `/api/v1/dashboards/${d.id}/metrics`, {
      name: hostile,
      type: "gauge",
      unit: "<i>u</i>",
    });
    await ingest(server.url, fixture.token, [
      { metric_id: m.id, value: 1, timestamp: nextTimestamp() },
    ]).catch(
      () => {}, // the fixture token's user owns this dashboard too; ingest is only decoration here
    );
    const page = await openDashboard(d.id);
    await page.getByText(hostile, { exact: false }).first().waitFor();
    expect(await page.locator("main img, header img").count()).toBe(0);
    expect(await page.locator("main b, main i").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.close();
  });
});

describe("alerts panel", () => {
  it("shows an alert as it fires", async () => {
    const { call } = await restSession(server.url);
    const [, , metric] = fixture.metricIds as [number, number, number];
    await call("POST", `/api/v1/dashboards/${fixture.dashboardId}/alert-rules`, {
      metric_id: metric,
      condition: "above",
      threshold: 90,
      duration_s: 0,
    });
    const page = await openDashboard();
    const panel = page.getByTestId("alerts");
    expect(await panel.count()).toBe(0);
    await ingest(server.url, fixture.token, [{ metric_id: metric, value: 95, timestamp: nextTimestamp() }]);
    await panel.locator(".alert-item.firing").first().waitFor({ timeout: 10_000 });
    await expect(panel.textContent()).resolves.toContain("metric_02");
    await page.close();
  });

  it("writes an alert's value and threshold with the metric's unit, not as raw floats", async () => {
    const { call } = await restSession(server.url);
    const [, metric] = fixture.metricIds as [number, number];
    await call("POST", `/api/v1/dashboards/${fixture.dashboardId}/alert-rules`, {
      metric_id: metric,
      condition: "below",
      threshold: -5,
    });
    const page = await openDashboard();
    await ingest(server.url, fixture.token, [
      { metric_id: metric, value: -7.123456789, timestamp: nextTimestamp() },
    ]);
    const row = page.getByTestId("alerts").locator(".alert-item.firing", { hasText: "(value -7.12 ms)" });
    await row.waitFor({ timeout: 10_000 });
    await expect(row.textContent()).resolves.toContain("metric_01 is below -5 ms");
    expect(await page.getByTestId("alerts").textContent()).not.toContain("7.123456789");
    await page.close();
  });

  it("acknowledges a firing alert with the CSRF token and shows who acknowledged it", async () => {
    const { call } = await restSession(server.url);
    const [, metric] = fixture.metricIds as [number, number];
    await call("POST", `/api/v1/dashboards/${fixture.dashboardId}/alert-rules`, {
      metric_id: metric,
      condition: "below",
      threshold: -1000,
    });
    await ingest(server.url, fixture.token, [
      { metric_id: metric, value: -2000, timestamp: nextTimestamp() },
    ]);
    const page = await openDashboard();
    // acknowledged on the rule's current state, listed above the history
    const row = page
      .getByTestId("alert-states")
      .locator(".alert-state.firing", { hasText: "below -1,000 ms" });
    await row.waitFor({ timeout: 10_000 });
    await row.getByRole("button", { name: "Acknowledge metric_01 alert" }).click();
    await expect(row.getByTestId("acknowledged").textContent()).resolves.toMatch(
      /acknowledged by demo at \d\d:\d\d:\d\d/,
    );
    expect(await row.getByRole("button", { name: /Acknowledge/ }).count()).toBe(0);
    // Stored, not just shown: the event carries the demo user and survives a reload.
    const me = await call<{ user: { id: number } }>("GET", "/api/v1/auth/me");
    const events = await call<{ id: number; threshold: number; acknowledged_by: number | null }[]>(
      "GET",
      `/api/v1/dashboards/${fixture.dashboardId}/alerts?state=firing`,
    );
    expect(events.find((e) => e.threshold === -1000)?.acknowledged_by).toBe(me.user.id);
    await page.reload();
    await page
      .getByTestId("alerts")
      .locator(".alert-item.firing", { hasText: "is below -1,000 ms" })
      .getByTestId("acknowledged")
      .waitFor({ timeout: 10_000 });
    await page.close();
  });
});

/** Opens the Custom range and shows fromMs–toMs (datetime-local takes the browser's local time, to the minute). */
async function showCustomRange(page: Page, fromMs: number, toMs: number): Promise<void> {
  await page.getByRole("button", { name: "Custom" }).click();
  const local = (ms: number) =>
    page.evaluate(
      (t) => new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 16),
      ms,
    );
  await page.getByLabel("From", { exact: true }).fill(await local(fromMs));
  await page.getByLabel("To", { exact: true }).fill(await local(toMs));
  await page.getByRole("button", { name: "Show" }).click();
}

describe("custom time range", () => {
  it("shows the stored history of the chosen span instead of the live window", async () => {
    const [metric] = fixture.metricIds as [number];
    const start = Date.now() - 3 * 3600_000;
    const old = Array.from({ length: 20 }, (_, i) => ({
      metric_id: metric,
      value: 500 + i,
      timestamp: new Date(start + i * 30_000).toISOString(),
    }));
    await ingest(server.url, fixture.token, old);
    const page = await openDashboard();
    // pad the span by a minute each side (the fields are to the minute)
    await showCustomRange(page, start - 60_000, start + 20 * 30_000 + 60_000);
    // Polled so that a failure prints what the chart holds instead.
    await expect
      .poll(async () => (await chartSeries(page, metric))?.timestamps, { timeout: 10_000 })
      .toEqual(old.map((p) => Date.parse(p.timestamp)));
    // live points keep coming but stay out of a custom range
    await ingest(server.url, fixture.token, [{ metric_id: metric, value: 1, timestamp: nextTimestamp() }]);
    await page.waitForTimeout(800);
    expect((await chartSeries(page, metric))?.timestamps.length).toBe(old.length);
    await page.close();
  });

  it("loads the history of every chart of a dashboard with more metrics than reads a user may run at once", async () => {
    const many = await createFixture(server.url, "Many metrics", 9); // the server runs 4 per user at once
    const start = Date.now() - 3 * 3600_000;
    const stamps = [0, 1, 2].map((i) => new Date(start + i * 60_000).toISOString());
    await ingest(
      server.url,
      many.token,
      many.metricIds.flatMap((metric_id) =>
        stamps.map((timestamp, i) => ({ metric_id, value: i, timestamp })),
      ),
    );
    const page = await openDashboard(many.dashboardId);
    await showCustomRange(page, start - 60_000, start + 3 * 60_000);
    for (const metric of many.metricIds)
      await expect
        .poll(async () => (await chartSeries(page, metric))?.timestamps, { timeout: 10_000 })
        .toEqual(stamps.map((t) => Date.parse(t)));
    expect(await page.getByText(/history reads or exports at a time/).count()).toBe(0);
    await page.close();
  });

  it("defines a new metric in edit mode, shows its card at once and streams its points", async () => {
    const own = await createFixture(server.url, "Metric spec", 1);
    const page = await openDashboard(own.dashboardId);
    try {
      await page.getByTestId("edit-toggle").click();
      await page.fill("input[name=metric-name]", "queue_depth");
      await page.selectOption("select[name=metric-type]", "gauge");
      await page.fill("input[name=metric-unit]", "jobs");
      await page.getByRole("button", { name: "Create metric" }).click();
      // The click only sends the POST: read the list until it has answered.
      const stored = async () => {
        const metrics = await (
          await fetch(`${server.url}/api/v1/dashboards/${own.dashboardId}/metrics`, {
            headers: { authorization: `Bearer ${own.token}` },
          })
        ).json();
        return (metrics as { id: number; name: string; unit: string }[]).find(
          (m) => m.name === "queue_depth",
        );
      };
      await expect.poll(stored).toMatchObject({ unit: "jobs" });
      const created = await stored();
      const id = created!.id;
      await page.getByTestId(`value-${id}`).waitFor();
      const point = { metric_id: id, value: 12, timestamp: nextTimestamp() };
      await ingest(server.url, own.token, [point]);
      await waitForPoint(page, id, point.timestamp);
      await expect(page.getByTestId(`value-${id}`).textContent()).resolves.toBe("12 jobs");
    } finally {
      await page.close();
    }
  });
});
