// The metric settings panel in Chromium against the real server: renaming and deleting a metric,
// managing its alert rules (stored over REST, firing into the alerts panel), what a viewer sees,
// and the server's validation errors shown as text.
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createFixture,
  ensureWebBuilt,
  ingest,
  loginToDashboard,
  openBrowser,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  signedInBrowser,
  startServer,
} from "./e2e.ts";

const VERA = { username: "vera", password: "vera-password-1" };
type Rule = {
  id: number;
  metric_id: number;
  condition: string;
  threshold: number;
  duration_s: number;
  hysteresis: number;
  enabled: boolean;
};

let server: ServerProcess;
let browser: ChromiumHandle;
let viewerBrowser: ChromiumHandle;
let rest: Awaited<ReturnType<typeof restSession>>;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer({}, { users: [VERA] });
  rest = await restSession(server.url);
  browser = await signedInBrowser(server.url);
}, 120_000);

afterAll(async () => {
  await viewerBrowser?.close();
  await browser?.close();
  await server?.destroy();
});

async function openDashboard(id: number, on = browser): Promise<Page> {
  return openLiveDashboard(on, server.url, id);
}

/** Opens the panel from the card's ⚙ button and waits for its rules to load. */
async function openSettings(page: Page, metricName: string) {
  await page.getByRole("button", { name: `Settings for ${metricName}`, exact: true }).click();
  const panel = page.getByTestId("metric-settings");
  await panel.waitFor();
  await panel.locator(".rules .muted", { hasText: "Loading" }).waitFor({ state: "detached" });
  return panel;
}

let clock = Date.now() - 60_000;
/** Distinct, increasing timestamps near now: the alert engine ignores points older than seen. */
function nextTimestamp(): string {
  clock = Math.max(clock + 1, Date.now() - 30_000);
  return new Date(clock).toISOString();
}

const rulesOf = (dashboardId: number) =>
  rest.call<Rule[]>("GET", `/api/v1/dashboards/${dashboardId}/alert-rules`);
const cardTitle = (page: Page, metricId: number) =>
  page.locator(`[data-widget-id="m${metricId}"] .widget-title`);
const point = (metric_id: number, value: number) => ({ metric_id, value, timestamp: nextTimestamp() });

describe("metric settings", () => {
  it("renames a metric and changes its unit and description: the card, another open page and REST show them", async () => {
    const own = await createFixture(server.url, "Rename spec", 1);
    const [metric] = own.metricIds as [number];
    const page = await openDashboard(own.dashboardId);
    const other = await openDashboard(own.dashboardId);
    try {
      // A background tab gets no animation frames: the page under test is the one in front.
      await page.bringToFront();
      const panel = await openSettings(page, "metric_00");
      const form = panel.getByRole("form", { name: "Metric" });
      await form.getByLabel("Name").fill("queue_depth");
      await form.getByLabel("Unit").fill("jobs");
      await form.getByLabel("Description").fill("Jobs waiting in the queue");
      await form.getByRole("button", { name: "Save" }).click();
      await panel.getByRole("status").filter({ hasText: "Saved." }).waitFor();
      await cardTitle(page, metric).filter({ hasText: "queue_depth (jobs)" }).waitFor();
      await expect(panel.getByTestId("metric-settings-name").textContent()).resolves.toBe("queue_depth");
      // The other page learns it from the re-announced dashboard_config.
      await cardTitle(other, metric).filter({ hasText: "queue_depth (jobs)" }).waitFor();
      const metrics = await rest.call<{ id: number; name: string; unit: string; description: string }[]>(
        "GET",
        `/api/v1/dashboards/${own.dashboardId}/metrics`,
      );
      expect(metrics.find((m) => m.id === metric)).toMatchObject({
        name: "queue_depth",
        unit: "jobs",
        description: "Jobs waiting in the queue",
      });
      // The card keeps streaming under its new name, with its new unit.
      await ingest(server.url, own.token, [point(metric, 12)]);
      await page.getByTestId(`value-${metric}`).filter({ hasText: "12 jobs" }).waitFor();
    } finally {
      await page.close();
      await other.close();
    }
  });

  it("deletes a metric only after confirmation: its card leaves every open page and REST answers 404", async () => {
    const own = await createFixture(server.url, "Delete spec", 2);
    const [doomed, kept] = own.metricIds as [number, number];
    const page = await openDashboard(own.dashboardId);
    const other = await openDashboard(own.dashboardId);
    try {
      // A background tab gets no animation frames: the page under test is the one in front.
      await page.bringToFront();
      const panel = await openSettings(page, "metric_00");
      await panel.getByRole("button", { name: "Delete metric…" }).click();
      const confirm = panel.getByRole("group", { name: "Confirm deletion" });
      await expect(confirm.textContent()).resolves.toContain("metric_00");
      // Cancelling keeps it.
      await confirm.getByRole("button", { name: "Cancel" }).click();
      await confirm.waitFor({ state: "detached" });
      await rest.call("GET", `/api/v1/metrics/${doomed}/values`);
      await panel.getByRole("button", { name: "Delete metric…" }).click();
      await confirm.getByRole("button", { name: "Delete", exact: true }).click();
      await page.locator(`[data-widget-id="m${doomed}"]`).waitFor({ state: "detached" });
      await expect(page.getByTestId("metric-settings").count()).resolves.toBe(0);
      await other.locator(`[data-widget-id="m${doomed}"]`).waitFor({ state: "detached" });
      await cardTitle(other, kept).filter({ hasText: "metric_01" }).waitFor();
      await expect(rest.call("GET", `/api/v1/metrics/${doomed}/values`)).rejects.toThrow(/→ 404/);
      await expect(rest.call("PATCH", `/api/v1/metrics/${doomed}`, { unit: "x" })).rejects.toThrow(/→ 404/);
      // The saved layout does not name it, so the card does not come back on a reload.
      const layout = await rest.call<{ widgets: { metric_id?: number }[] }>(
        "GET",
        `/api/v1/dashboards/${own.dashboardId}/layout`,
      );
      expect(layout.widgets.map((w) => w.metric_id)).not.toContain(doomed);
      await page.reload();
      await cardTitle(page, kept).waitFor();
      await expect(page.locator(`[data-widget-id="m${doomed}"]`).count()).resolves.toBe(0);
    } finally {
      await page.close();
      await other.close();
    }
  });
});

describe("alert rules in the metric settings", () => {
  it("creates a rule that is stored and fires into the alerts panel on a breaching point", async () => {
    const own = await createFixture(server.url, "Rule spec", 1);
    const [metric] = own.metricIds as [number];
    const page = await openDashboard(own.dashboardId);
    try {
      const panel = await openSettings(page, "metric_00");
      await panel.getByText("No alert rules for this metric.").waitFor();
      const form = panel.getByRole("form", { name: "New alert rule" });
      await form.getByLabel("Condition").selectOption("above");
      await form.getByLabel("Threshold").fill("50");
      await form.getByLabel("Duration in seconds").fill("0");
      await form.getByLabel("Hysteresis").fill("2.5");
      await form.getByRole("button", { name: "Add rule" }).click();
      await form.getByRole("status").filter({ hasText: "Rule added." }).waitFor();
      await panel.getByTestId("alert-rules").locator("li").first().waitFor();
      const rules = await rulesOf(own.dashboardId);
      expect(rules).toEqual([
        {
          id: expect.any(Number),
          metric_id: metric,
          condition: "above",
          threshold: 50,
          duration_s: 0,
          hysteresis: 2.5,
          enabled: true,
          no_data_s: 0,
        },
      ]);
      // The form is ready for the next rule.
      await expect(form.getByLabel("Threshold").inputValue()).resolves.toBe("");
      await ingest(server.url, own.token, [point(metric, 61)]);
      await page
        .getByTestId("alerts")
        .locator(".alert-item.firing", { hasText: "metric_00 is above 50 ms (value 61 ms)" })
        .waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
    }
  });

  it("edits a rule's threshold and disables it: stored, and the rule acts on it", async () => {
    const own = await createFixture(server.url, "Rule edit spec", 2);
    const [metric, sentinel] = own.metricIds as [number, number];
    const rule = await rest.call<Rule>("POST", `/api/v1/dashboards/${own.dashboardId}/alert-rules`, {
      metric_id: metric,
      condition: "above",
      threshold: 50,
    });
    await rest.call("POST", `/api/v1/dashboards/${own.dashboardId}/alert-rules`, {
      metric_id: sentinel,
      condition: "above",
      threshold: 0,
    });
    const page = await openDashboard(own.dashboardId);
    const alerts = page.getByTestId("alerts");
    try {
      const panel = await openSettings(page, "metric_00");
      const row = panel.locator(`[data-rule-id="${rule.id}"]`);
      await row.getByLabel("Threshold").fill("80");
      await row.getByRole("button", { name: "Save" }).click();
      await row.getByRole("status").filter({ hasText: "Saved." }).waitFor();
      expect((await rulesOf(own.dashboardId)).find((r) => r.id === rule.id)).toMatchObject({
        threshold: 80,
        enabled: true,
      });
      // 70 breaches the old threshold only: had the edit not reached the engine, 70 would fire
      // (and 90 would find the rule already firing, so the row waited for below would never come).
      await ingest(server.url, own.token, [point(metric, 70)]);
      await ingest(server.url, own.token, [point(metric, 90)]);
      await alerts
        .locator(".alert-item.firing", { hasText: "metric_00 is above 80 ms (value 90 ms)" })
        .waitFor();
      expect(await alerts.locator(".alert-item", { hasText: "value 70 ms" }).count()).toBe(0);
      await ingest(server.url, own.token, [point(metric, 10)]);
      await alerts.locator(".alert-item.resolved", { hasText: "metric_00" }).waitFor();

      const enabled = row.getByRole("checkbox", { name: "Enabled" });
      await enabled.uncheck();
      await row.getByRole("status").filter({ hasText: "Disabled." }).waitFor();
      expect((await rulesOf(own.dashboardId)).find((r) => r.id === rule.id)?.enabled).toBe(false);
      await expect(enabled.isChecked()).resolves.toBe(false);
      // A breach of the disabled rule, then one of the sentinel's: once the sentinel's alert is
      // shown, an alert of the disabled rule (evaluated earlier) would be shown too.
      await ingest(server.url, own.token, [point(metric, 95)]);
      await ingest(server.url, own.token, [point(sentinel, 1)]);
      await alerts.locator(".alert-item.firing", { hasText: "metric_01" }).waitFor();
      // (the earlier firing row of metric_00 was resolved at 10: it is shown as past, and nothing new)
      expect(await alerts.locator(".alert-item", { hasText: "value 95 ms" }).count()).toBe(0);
      expect(await alerts.locator(".alert-item.firing", { hasText: "metric_00" }).count()).toBe(0);

      // Deleting a rule removes it from the list and from storage.
      await row.getByRole("button", { name: "Delete rule" }).click();
      await row.waitFor({ state: "detached" });
      expect((await rulesOf(own.dashboardId)).map((r) => r.metric_id)).toEqual([sentinel]);
    } finally {
      await page.close();
    }
  });

  it("shows the server's validation errors next to the form, as text, and stores nothing", async () => {
    const own = await createFixture(server.url, "Rule errors spec", 2);
    const page = await openDashboard(own.dashboardId);
    try {
      const panel = await openSettings(page, "metric_00");
      const form = panel.getByRole("form", { name: "New alert rule" });
      // A negative duration: the browser does not stop it, the server does.
      await form.getByLabel("Threshold").fill("10");
      await form.getByLabel("Duration in seconds").fill("-5");
      await form.getByRole("button", { name: "Add rule" }).click();
      const error = form.getByRole("alert");
      await error.filter({ hasText: "body.duration_s" }).waitFor();
      await expect(error.textContent()).resolves.toMatch(/^Invalid request: body\.duration_s .*0/);
      // No threshold at all: not a number (NaN goes out as null), refused by the server.
      await form.getByLabel("Duration in seconds").fill("0");
      await form.getByLabel("Threshold").fill("");
      await form.getByRole("button", { name: "Add rule" }).click();
      await error.filter({ hasText: "body.threshold" }).waitFor();
      expect(await rulesOf(own.dashboardId)).toEqual([]);

      // A name the server refuses comes back in its message: shown as text, never as HTML.
      const hostile = '<img src=x onerror="window.__xss=1">';
      await rest.call("PATCH", `/api/v1/metrics/${own.metricIds[1]}`, { name: hostile });
      const metricForm = panel.getByRole("form", { name: "Metric" });
      await metricForm.getByLabel("Name").fill(hostile);
      await metricForm.getByRole("button", { name: "Save" }).click();
      await panel
        .getByRole("alert")
        .filter({ hasText: `Metric "${hostile}" already exists` })
        .waitFor();
      expect(await page.locator("[data-testid=metric-settings] img").count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    } finally {
      await page.close();
    }
  });
});

describe("a viewer", () => {
  it("sees a metric's rules read-only and no control to change the metric or its rules", async () => {
    const shared = await createFixture(server.url, "Viewer spec", 1);
    const [metric] = shared.metricIds as [number];
    await addMember(server.url, rest.call, shared.dashboardId, VERA, "viewer");
    await rest.call("POST", `/api/v1/dashboards/${shared.dashboardId}/alert-rules`, {
      metric_id: metric,
      condition: "above",
      threshold: 50,
      duration_s: 5,
      enabled: false,
    });
    viewerBrowser = await openBrowser();
    const page = await viewerBrowser.context.newPage();
    await loginToDashboard(page, server.url, shared.dashboardId, VERA);
    try {
      await cardTitle(page, metric).waitFor();
      expect(await page.getByTestId("edit-toggle").count()).toBe(0);
      expect(await page.getByRole("button", { name: /^Settings for/ }).count()).toBe(0);
      await page.getByRole("button", { name: "Alert rules for metric_00", exact: true }).click();
      const panel = page.getByTestId("metric-settings");
      const rules = panel.getByTestId("alert-rules");
      await expect(rules.textContent()).resolves.toContain("above 50 ms for 5 s");
      await expect(rules.textContent()).resolves.toContain("disabled");
      // Nothing to type into or press but the close button.
      expect(await panel.locator("input, select, textarea, form").count()).toBe(0);
      await expect(panel.getByRole("button").allTextContents()).resolves.toEqual(["✕"]);
    } finally {
      await page.close();
    }
  });
});
