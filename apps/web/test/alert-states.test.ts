// Alert states in Chromium against the real server: the Alerts panel lists the rules' current
// states first (acknowledged there) and never leaves a stale firing row after the rule changes;
// the metric's card shows the state on its border and badge, its chart draws the threshold line
// in the state's colour, the tab title and favicon count what is firing, and a toast announces
// each transition. The notifications panel adds a contact point, sends a test and shows its log.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFixture,
  ensureWebBuilt,
  ingest,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  signedInBrowser,
  startServer,
} from "./e2e.ts";

let server: ServerProcess;
let browser: ChromiumHandle;
let rest: Awaited<ReturnType<typeof restSession>>;
let receiver: http.Server;
let received: string[] = [];

beforeAll(async () => {
  ensureWebBuilt();
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(body);
      res.end("ok");
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  server = await startServer({ PULSEBOARD_ALERT_ALLOW_PRIVATE: "1" });
  rest = await restSession(server.url);
  browser = await signedInBrowser(server.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  receiver?.closeAllConnections();
  receiver?.close();
});

const point = (metric_id: number, value: number) => ({
  metric_id,
  value,
  timestamp: new Date().toISOString(),
});

/** Whether the metric's chart has a pixel of this colour (the threshold line) somewhere. */
async function chartHasColour(page: Page, metricId: number, rgb: [number, number, number]) {
  return page.evaluate(
    ({ metricId, rgb }) => {
      const value = document.querySelector(`[data-testid="value-${metricId}"]`);
      const canvas = value?.closest(".card")?.querySelector("canvas");
      const ctx = canvas?.getContext("2d");
      if (!canvas || !ctx) return false;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) {
        if (
          Math.abs(data[i]! - rgb[0]) < 8 &&
          Math.abs(data[i + 1]! - rgb[1]) < 8 &&
          Math.abs(data[i + 2]! - rgb[2]) < 8
        )
          return true;
      }
      return false;
    },
    { metricId, rgb },
  );
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const FIRING_RED: [number, number, number] = [229, 72, 77];
const OK_GREY: [number, number, number] = [139, 141, 152];

describe("alert states on the dashboard", () => {
  it("shows a firing rule first, on the card, the chart, the title and a toast; a raised threshold leaves no stale firing row", async () => {
    const own = await createFixture(server.url, "Home", 1);
    const [metric] = own.metricIds as [number];
    const rule = await rest.call<{ id: number }>(
      "POST",
      `/api/v1/dashboards/${own.dashboardId}/alert-rules`,
      {
        metric_id: metric,
        condition: "above",
        threshold: 1,
      },
    );
    const page = await openLiveDashboard(browser, server.url, own.dashboardId);
    try {
      await page.bringToFront();
      await ingest(server.url, own.token, [point(metric, 21)]);
      const states = page.getByTestId("alert-states");
      const row = states.locator(".alert-state.firing", { hasText: "metric_00 above 1 ms" });
      await row.waitFor({ timeout: 10_000 });
      await page.getByTestId("toast").filter({ hasText: "Alert firing" }).first().waitFor();
      const card = page.locator(".card.widget[data-alert-status]");
      await expect(card.getAttribute("data-alert-status")).resolves.toBe("firing");
      await expect(page.getByTestId(`alert-status-${metric}`).textContent()).resolves.toBe("firing");
      await until(async () => (await page.title()).startsWith("(1) Home"), "the firing count in the title");
      await expect(page.locator("link[rel~='icon']").getAttribute("data-firing")).resolves.toBe("1");
      await until(() => chartHasColour(page, metric, FIRING_RED), "a red threshold line");

      // acknowledged on the current state
      await row.getByRole("button", { name: "Acknowledge metric_00 alert" }).click();
      await row.getByTestId("acknowledged").waitFor();

      // The threshold raised above the value: the firing state is over, not left beside the rule.
      await rest.call("PATCH", `/api/v1/alert-rules/${rule.id}`, { threshold: 22.5 });
      await row.waitFor({ state: "detached", timeout: 10_000 });
      const history = page.getByTestId("alerts");
      await history.locator(".alert-item.resolved", { hasText: "the rule was changed" }).waitFor();
      expect(await history.locator(".alert-item.firing").count()).toBe(0);
      expect(await history.locator(".alert-item.past").count()).toBe(1);
      expect(await page.getByRole("button", { name: /Acknowledge/ }).count()).toBe(0);
      await until(async () => (await card.getAttribute("data-alert-status")) === "ok", "the card back to ok");
      await until(async () => (await page.title()) === "Home · Pulseboard", "the count gone from the title");
      await until(() => chartHasColour(page, metric, OK_GREY), "a grey threshold line");
      expect(await chartHasColour(page, metric, FIRING_RED)).toBe(false);
    } finally {
      await page.close();
    }
  });

  it("adds a webhook contact point, sends a test and shows it in the delivery log", async () => {
    const own = await createFixture(server.url, "Notify", 1);
    const rule = await rest.call<{ id: number }>(
      "POST",
      `/api/v1/dashboards/${own.dashboardId}/alert-rules`,
      {
        metric_id: own.metricIds[0],
        condition: "above",
        threshold: 5,
      },
    );
    const page = await openLiveDashboard(browser, server.url, own.dashboardId);
    try {
      received = [];
      await page.getByRole("button", { name: "Notifications" }).click();
      const panel = page.getByTestId("notifications-panel");
      const form = panel.getByRole("form", { name: "New contact point" });
      await form.getByLabel("Name").fill("on-call");
      const port = (receiver.address() as AddressInfo).port;
      await form.getByLabel("URL").fill(`http://127.0.0.1:${port}/hook`);
      await form.getByLabel("Signing secret").fill("hush-hush");
      await form.getByLabel("Rules").selectOption(String(rule.id));
      await form.getByRole("button", { name: "Add contact point" }).click();
      const cp = panel.locator(".contact-point", { hasText: "on-call" });
      await cp.waitFor();
      await expect(cp.textContent()).resolves.toContain("signed · 1 rule");
      const stored = await rest.call<{ rule_ids: number[] | null }[]>(
        "GET",
        `/api/v1/dashboards/${own.dashboardId}/contact-points`,
      );
      expect(stored.map((c) => c.rule_ids)).toEqual([[rule.id]]);
      expect(await panel.textContent()).not.toContain("hush-hush");
      await cp.getByRole("button", { name: "Send test" }).click();
      await cp.getByRole("status").filter({ hasText: "Test delivered" }).waitFor();
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]!)).toMatchObject({ test: true, contact_point: { name: "on-call" } });
      await cp.getByRole("button", { name: "Delivery log" }).click();
      await cp.locator(".delivery-log li.ok", { hasText: "test" }).waitFor();
    } finally {
      await page.close();
    }
  });
});
