// Accessibility in Chromium: axe-core (the engine behind most a11y checkers) finds no serious or
// critical violation on the login page, the dashboard list, a dashboard with every panel kind (both
// themes, its settings drawer open), the tokens page and the users page; and every control of a
// dashboard can be reached with Tab and shows where the focus is.

import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import {
  ensureWebBuilt,
  ingest,
  openBrowser,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  signedInBrowser,
  startServer,
} from "./e2e.ts";

let server: ServerProcess;
let browser: ChromiumHandle;
let dashboardId: number;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer();
  browser = await signedInBrowser(server.url);
  const { call } = await restSession(server.url);
  const d = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "Accessible" });
  dashboardId = d.id;
  const ids: number[] = [];
  for (const [name, type, unit] of [
    ["cpu", "gauge", "%"],
    ["served", "counter", "requests"],
    ["latency", "histogram", "ms"],
  ] as const)
    ids.push(
      (await call<{ id: number }>("POST", `/api/v1/dashboards/${d.id}/metrics`, { name, type, unit })).id,
    );
  const [cpu, served, latency] = ids as [number, number, number];
  await call("PUT", `/api/v1/dashboards/${d.id}/layout`, {
    widgets: [
      { id: "line", type: "metric", metric_id: cpu, x: 0, y: 0, w: 4, h: 4 },
      { id: "stat", type: "metric", metric_id: cpu, chart: "stat", x: 4, y: 0, w: 2, h: 3 },
      { id: "gauge", type: "metric", metric_id: cpu, chart: "gauge", x: 6, y: 0, w: 2, h: 3 },
      { id: "rate", type: "metric", metric_id: served, chart: "bars", x: 8, y: 0, w: 4, h: 4 },
      { id: "pct", type: "metric", metric_id: latency, x: 0, y: 4, w: 4, h: 4 },
      { id: "heat", type: "metric", metric_id: latency, chart: "heatmap", x: 4, y: 4, w: 4, h: 4 },
      { id: "table", type: "table", x: 8, y: 4, w: 4, h: 4 },
      {
        id: "note",
        type: "text",
        text: "## Notes\nSome **text** and a [link](https://example.org).",
        x: 0,
        y: 8,
        w: 4,
        h: 3,
      },
      { id: "alerts", type: "alerts", x: 4, y: 8, w: 8, h: 3 },
    ],
  });
  const { token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: "a11y" });
  const t = Date.now();
  await ingest(
    server.url,
    token,
    Array.from({ length: 30 }, (_, i) => [
      { metric_id: cpu, value: 40 + i, timestamp: new Date(t - (30 - i) * 2000).toISOString() },
      { metric_id: served, value: 100 * i, timestamp: new Date(t - (30 - i) * 2000).toISOString() },
      {
        metric_id: latency,
        value: 10 + ((i * 7) % 30),
        timestamp: new Date(t - (30 - i) * 2000).toISOString(),
      },
    ]).flat(),
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

async function setTheme(page: Page, theme: "dark" | "light") {
  const current = await page.evaluate(() => document.documentElement.dataset.theme);
  if (current !== theme) await page.getByTestId("theme-toggle").click();
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
}

describe("axe-core finds no serious or critical violation", () => {
  it("on the login page, in both themes", async () => {
    for (const theme of ["dark", "light"] as const) {
      const fresh = await openBrowser();
      try {
        const page = await fresh.context.newPage();
        await page.addInitScript((t) => localStorage.setItem("pulseboard.theme", t), theme);
        await page.goto(`${server.url}/login`);
        await page.getByLabel("Username").waitFor();
        expect(await seriousViolations(page), theme).toEqual([]);
      } finally {
        await fresh.close();
      }
    }
  });

  it("on the dashboard list, the tokens page and the users page", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(server.url);
      await page.getByRole("heading", { name: "Dashboards" }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.goto(`${server.url}/tokens`);
      await page.getByRole("heading", { name: "API tokens" }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.goto(`${server.url}/admin/users`);
      await page.getByTestId("user-list").getByText("demo").waitFor(); // the demo user is the first: the administrator
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("on a dashboard with every panel kind, in both themes, and with its settings drawer open", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await page.getByTestId("value-table").waitFor();
      for (const theme of ["dark", "light"] as const) {
        await setTheme(page, theme);
        expect(await seriousViolations(page), theme).toEqual([]);
      }
      await page.getByTestId("edit-toggle").click();
      expect(await seriousViolations(page), "edit mode").toEqual([]);
      await page.getByTestId("edit-toggle").click();
      await page.getByRole("toolbar").getByRole("button", { name: "Settings", exact: true }).click();
      await page.getByTestId("dashboard-settings").waitFor();
      expect(await seriousViolations(page), "settings drawer").toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("keyboard", () => {
  it("reaches every control of a dashboard with Tab, each with a visible focus ring", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await page.getByTestId("value-table").waitFor();
      const controls = await page.evaluate(
        () =>
          [...document.querySelectorAll<HTMLElement>("a[href], button, input, select, textarea")].filter(
            (el) => !el.hasAttribute("disabled") && el.getClientRects().length > 0 && !el.closest("[inert]"),
          ).length,
      );
      const reached = new Set<string>();
      let unringed: string[] = [];
      for (let i = 0; i < controls + 5; i++) {
        await page.keyboard.press("Tab");
        const info = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          const ring = style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0;
          const path = [];
          for (let e: Element | null = el; e && e !== document.body; e = e.parentElement)
            path.unshift(`${e.tagName}:${[...(e.parentElement?.children ?? [])].indexOf(e)}`);
          return { key: path.join("/"), ring, label: el.getAttribute("aria-label") ?? el.textContent ?? "" };
        });
        if (!info) continue;
        reached.add(info.key);
        if (!info.ring) unringed = [...unringed, info.label.trim().slice(0, 40)];
      }
      expect(reached.size).toBeGreaterThanOrEqual(controls);
      expect(unringed).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
