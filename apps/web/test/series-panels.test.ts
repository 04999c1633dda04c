// Series panels in Chromium against the real server: a metric widget with a selector draws one
// line per labeled series ingested over JSON, names them in its legend by the labels that differ,
// takes in a new host live, drops a deleted one, aggregates groups, keeps a hidden line hidden,
// colours a series by its key (the same after a reload), caps what it draws, is made (and
// changed) in the editor, which shows a bad selector's error, and sorts its legend by newest value
// when the panel says so.

import { parseSelector } from "@pulseboard/protocol/series";
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colorSlot } from "../src/charts/series-lines.ts";
import { seriousViolations } from "./axe.ts";
import {
  ensureWebBuilt,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  signedInBrowser,
  startServer,
} from "./e2e.ts";

let server: ServerProcess;
let browser: ChromiumHandle;
let call: Awaited<ReturnType<typeof restSession>>["call"];
let dashboardId: number;
let token: string;

type Widget = Record<string, unknown> & { id: string };
const WEB = 'cpu{host=~"web-.*"}';
const RACKS = 'temp{host=~"rack-.*"}';
const PANELS: Widget[] = [
  { id: "web", type: "metric", series: WEB, x: 0, y: 0, w: 6, h: 5 },
  { id: "by-role", type: "metric", series: "cpu", group_by: ["role"], x: 6, y: 0, w: 6, h: 5 },
  {
    id: "sum-role",
    type: "metric",
    series: "cpu",
    group_by: ["role"],
    aggregate: "sum",
    x: 0,
    y: 5,
    w: 6,
    h: 5,
  },
  { id: "many", type: "metric", series: "load", x: 6, y: 5, w: 6, h: 5 },
];

/** Labeled JSON ingest: the points name the family and the series' labels. */
async function ingestLabeled(
  points: { metric: string; labels: Record<string, string>; value: number; timestamp?: string }[],
) {
  const r = await fetch(`${server.url}/api/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ points: points.map((p) => ({ dashboard_id: dashboardId, ...p })) }),
  });
  if (r.status !== 200) throw new Error(`ingest → ${r.status} ${await r.text()}`);
}

let clock = Date.now() - 60_000;
/** Increasing timestamps near now, one per call (the points of one call share it). */
function nextTimestamp(): string {
  clock = Math.max(clock + 1000, Date.now() - 30_000);
  return new Date(clock).toISOString();
}

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer();
  ({ call } = await restSession(server.url));
  ({ id: dashboardId } = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "Series spec" }));
  // Labeled points of a family the dashboard has create its series on first sight.
  for (const name of ["cpu", "load", "temp"])
    await call("POST", `/api/v1/dashboards/${dashboardId}/metrics`, { name, type: "gauge", unit: "%" });
  ({ token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: "series ingest" }));
  const at = nextTimestamp();
  await ingestLabeled([
    { metric: "cpu", labels: { host: "web-1", role: "web" }, value: 10, timestamp: at },
    { metric: "cpu", labels: { host: "web-2", role: "web" }, value: 30, timestamp: at },
    { metric: "cpu", labels: { host: "db-1", role: "db" }, value: 50, timestamp: at },
    { metric: "temp", labels: { host: "rack-1", role: "inlet" }, value: 21, timestamp: at },
    { metric: "temp", labels: { host: "rack-2", role: "inlet" }, value: 33, timestamp: at },
    { metric: "temp", labels: { host: "hall", role: "inlet" }, value: 99, timestamp: at },
    ...Array.from({ length: 60 }, (_, i) => ({
      metric: "load",
      labels: { host: `node-${i}` },
      value: i,
      timestamp: at,
    })),
  ]);
  await call("PUT", `/api/v1/dashboards/${dashboardId}/layout`, { widgets: PANELS });
  browser = await signedInBrowser(server.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

const legend = (page: Page, panel: string) =>
  page.locator(`[data-widget-id="${panel}"] .series-legend [data-key]`);

type Entry = { key: string; name: string; latest: string; color: string; drawn: string; pressed: string };

/** The legend of a panel as the reader sees it, with what the chart exposes per line. */
function entries(page: Page, panel: string): Promise<Entry[]> {
  return legend(page, panel).evaluateAll((els) =>
    els.map((el) => {
      const e = el as HTMLElement;
      return {
        key: e.dataset.key ?? "",
        name: e.querySelector(".legend-name")?.textContent ?? "",
        latest: e.dataset.latest ?? "",
        color: e.dataset.color ?? "",
        drawn: e.dataset.drawn ?? "",
        pressed: e.querySelector("button")?.getAttribute("aria-pressed") ?? "",
      };
    }),
  );
}

const named = (list: Entry[]) => list.map((e) => [e.name, e.latest]);
const linesDrawn = (page: Page, panel: string) =>
  page.getByTestId(`series-panel-${panel}`).getAttribute("data-lines");

describe("series panels", () => {
  it("draws one line per matching series, named in the legend by the label that differs, with its newest value", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await expect
        .poll(() => entries(page, "web").then(named), { timeout: 15_000 })
        .toEqual([
          ["web-1", "10"],
          ["web-2", "30"],
        ]);
      const web1 = legend(page, "web").first();
      await expect(web1.locator("b").textContent()).resolves.toBe("10%");
      await expect(web1.locator("button").getAttribute("title")).resolves.toContain(
        'cpu{host="web-1",role="web"}',
      );
      await expect(linesDrawn(page, "web")).resolves.toBe("2");
      await expect(
        page.locator('[data-widget-id="web"] [data-testid="series-count"]').textContent(),
      ).resolves.toBe("2 series");
    } finally {
      await page.close();
    }
  });

  it("groups series by a label and combines each group with the panel's aggregate (avg by default)", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await expect
        .poll(() => entries(page, "by-role").then(named), { timeout: 15_000 })
        .toEqual([
          ["db", "50"],
          ["web", "20"],
        ]);
      await expect
        .poll(() => entries(page, "sum-role").then(named))
        .toEqual([
          ["db", "50"],
          ["web", "40"],
        ]);
      const title = await legend(page, "by-role").nth(1).locator("button").getAttribute("title");
      expect(title).toContain('cpu{role="web"} (2 series)');
    } finally {
      await page.close();
    }
  });

  it("draws at most 50 lines and says how many there are", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      const capped = page.locator('[data-widget-id="many"] [data-testid="series-capped"]');
      await expect.poll(() => capped.textContent(), { timeout: 15_000 }).toBe("showing 50 of 60 series");
      await expect(legend(page, "many").count()).resolves.toBe(50);
      await expect.poll(() => linesDrawn(page, "many")).toBe("50");
      // ordered by key with numbers as numbers: node-2 before node-10
      const names = (await entries(page, "many")).map((e) => e.name);
      expect(names.slice(0, 3)).toEqual(["node-0", "node-1", "node-2"]);
      expect(names.indexOf("node-2")).toBeLessThan(names.indexOf("node-10"));
    } finally {
      await page.close();
    }
  });

  it("takes in a series created after the page loaded, live, and lets a deleted one leave", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await expect.poll(() => entries(page, "web").then((l) => l.length), { timeout: 15_000 }).toBe(2);
      const at = nextTimestamp();
      await ingestLabeled(
        [10, 30, 80].map((value, i) => ({
          metric: "cpu",
          labels: { host: `web-${i + 1}`, role: "web" },
          value,
          timestamp: at,
        })),
      );
      await expect
        .poll(() => entries(page, "web").then(named), { timeout: 15_000 })
        .toEqual([
          ["web-1", "10"],
          ["web-2", "30"],
          ["web-3", "80"],
        ]);
      await expect.poll(() => linesDrawn(page, "web")).toBe("3");
      // its group takes it in too: the mean of the three at that instant
      await expect
        .poll(() => entries(page, "by-role").then(named))
        .toEqual([
          ["db", "50"],
          ["web", "40"],
        ]);

      const metrics = await call<{ id: number; name: string }[]>(
        "GET",
        `/api/v1/dashboards/${dashboardId}/metrics`,
      );
      const web3 = metrics.find((m) => m.name === 'cpu{host="web-3",role="web"}');
      expect(web3).toBeDefined();
      await call("DELETE", `/api/v1/metrics/${web3!.id}`);
      await expect
        .poll(() => entries(page, "web").then(named), { timeout: 15_000 })
        .toEqual([
          ["web-1", "10"],
          ["web-2", "30"],
        ]);
      await expect.poll(() => linesDrawn(page, "web")).toBe("2");
    } finally {
      await page.close();
    }
  });

  it("keeps a line hidden from its legend while its points keep arriving", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await expect.poll(() => entries(page, "web").then((l) => l.length), { timeout: 15_000 }).toBe(2);
      await legend(page, "web").first().locator("button").click();
      await expect.poll(() => entries(page, "web").then((l) => l[0]?.drawn)).toBe("hidden");
      for (const value of [15, 16, 17]) {
        await ingestLabeled([
          { metric: "cpu", labels: { host: "web-1", role: "web" }, value, timestamp: nextTimestamp() },
        ]);
        await expect.poll(() => entries(page, "web").then((l) => l[0]?.latest)).toBe(String(value));
        const [web1, web2] = await entries(page, "web");
        expect(web1).toMatchObject({ name: "web-1", drawn: "hidden", pressed: "false" });
        expect(web2).toMatchObject({ name: "web-2", drawn: "shown", pressed: "true" });
      }
      await legend(page, "web").first().locator("button").click();
      await expect.poll(() => entries(page, "web").then((l) => l[0]?.drawn)).toBe("shown");
    } finally {
      await page.close();
    }
  });

  it("colours a line from its key, the same after a reload", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await expect.poll(() => entries(page, "by-role").then((l) => l.length), { timeout: 15_000 }).toBe(2);
      const colours = async () =>
        [...(await entries(page, "web")), ...(await entries(page, "by-role"))].map((e) => [e.key, e.color]);
      const before = await colours();
      expect(before).toEqual(before.map(([key]) => [key, String(colorSlot(key!))]));
      // the swatch really is that colour of the theme
      const swatch = legend(page, "web").first().locator(".swatch");
      const want = await page.evaluate(
        (slot) =>
          getComputedStyle(document.documentElement)
            .getPropertyValue(`--series-${slot + 1}`)
            .trim(),
        colorSlot(before[0]![0]!),
      );
      const got = await swatch.evaluate((el) => getComputedStyle(el).backgroundColor);
      const hex = (rgb: string) =>
        `#${(rgb.match(/\d+/g) ?? [])
          .slice(0, 3)
          .map((n) => Number(n).toString(16).padStart(2, "0"))
          .join("")}`;
      expect(hex(got)).toBe(want.toLowerCase());
      await page.reload();
      await expect.poll(() => entries(page, "by-role").then((l) => l.length), { timeout: 15_000 }).toBe(2);
      await expect.poll(colours).toEqual(before);
    } finally {
      await page.close();
    }
  });

  it("makes a series panel in the editor, and shows a bad selector's error there", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await page.getByTestId("edit-toggle").click();
      const form = page.getByRole("form", { name: "Add widget" });
      await form.locator("select[name=widget-metric]").selectOption("ftemp");
      const selector = form.locator("input[name=widget-series]");
      await expect(selector.inputValue()).resolves.toBe("temp");
      const bad = 'temp{host=~"rack-.*"';
      await selector.fill(bad);
      const expected = (() => {
        try {
          parseSelector(bad);
        } catch (e) {
          return (e as Error).message;
        }
        return "";
      })();
      expect(expected).not.toBe("");
      await expect(form.getByTestId("selector-error").textContent()).resolves.toBe(expected);
      await expect(form.getByRole("button", { name: "Add" }).isDisabled()).resolves.toBe(true);

      await selector.fill(RACKS);
      await form.getByTestId("selector-error").waitFor({ state: "detached" });
      // the labels offered are those of the family's series
      const offered = await form
        .locator("input[name=widget-group-by]")
        .evaluateAll((els) => els.map((el) => (el as HTMLInputElement).value));
      expect(offered).toEqual(["host", "role"]);
      await form.locator('input[name=widget-group-by][value="role"]').check();
      await form.locator("select[name=widget-aggregate]").selectOption("max");
      await form.getByRole("button", { name: "Add" }).click();
      await page.getByTestId("save-state").filter({ hasText: "Layout saved" }).waitFor();

      const { widgets } = await call<{ widgets: Widget[] }>(
        "GET",
        `/api/v1/dashboards/${dashboardId}/layout`,
      );
      const made = widgets.find((w) => !PANELS.some((p) => p.id === w.id));
      expect(made).toMatchObject({ type: "metric", series: RACKS, group_by: ["role"], aggregate: "max" });
      expect(made?.metric_id).toBeUndefined();
      // the max of the two racks (the hall is not selected)
      await expect
        .poll(() => entries(page, made!.id).then(named), { timeout: 15_000 })
        .toEqual([["role=inlet", "33"]]);

      // its own settings (edit mode): the same fields, saved into the layout
      await page.locator(`[data-widget-id="${made!.id}"] button[aria-label^="Series of"]`).click();
      const drawer = page.getByTestId("series-settings");
      await expect(drawer.locator("input[name=widget-series]").inputValue()).resolves.toBe(RACKS);
      await drawer.locator("select[name=widget-aggregate]").selectOption("sum");
      await drawer.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => entries(page, made!.id).then(named)).toEqual([["role=inlet", "54"]]);
      await page.getByTestId("save-state").filter({ hasText: "Layout saved" }).waitFor();
      const after = await call<{ widgets: Widget[] }>("GET", `/api/v1/dashboards/${dashboardId}/layout`);
      expect(after.widgets.find((w) => w.id === made!.id)).toMatchObject({
        group_by: ["role"],
        aggregate: "sum",
      });
    } finally {
      await page.close();
    }
  });

  it("gives a labeled family one panel in a dashboard nobody has laid out, beside its plain metrics' cards", async () => {
    const { id } = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "Unarranged" });
    const ids: number[] = [];
    for (const name of ["disk", "uptime"])
      ids.push(
        (
          await call<{ id: number }>("POST", `/api/v1/dashboards/${id}/metrics`, {
            name,
            type: "gauge",
            unit: "%",
          })
        ).id,
      );
    const at = nextTimestamp();
    const r = await fetch(`${server.url}/api/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        points: ["sda", "sdb", "sdc"].map((dev, i) => ({
          dashboard_id: id,
          metric: "disk",
          labels: { dev },
          value: 10 * (i + 1),
          timestamp: at,
        })),
      }),
    });
    expect(r.status).toBe(200);
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await expect
        .poll(() => entries(page, "s-disk").then(named), { timeout: 15_000 })
        .toEqual([
          ["sda", "10"],
          ["sdb", "20"],
          ["sdc", "30"],
        ]);
      const cards = await page
        .locator("[data-widget-id]")
        .evaluateAll((els) => els.map((el) => el.getAttribute("data-widget-id")));
      // the family's template metric `disk` and its three series make one panel; `uptime` keeps its card
      expect(cards.sort()).toEqual(["alerts", `m${ids[1]}`, "s-disk"].sort());
    } finally {
      await page.close();
    }
  });

  it("sorts a panel's legend by newest value, largest first, when chosen, keeping the choice in the layout", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    const web1 = async (value: number) =>
      ingestLabeled([
        { metric: "cpu", labels: { host: "web-1", role: "web" }, value, timestamp: nextTimestamp() },
      ]);
    const layoutOf = async (id: string) =>
      (await call<{ widgets: Widget[] }>("GET", `/api/v1/dashboards/${dashboardId}/layout`)).widgets.find(
        (w) => w.id === id,
      );
    try {
      await web1(17);
      await expect
        .poll(() => entries(page, "web").then(named), { timeout: 15_000 })
        .toEqual([
          ["web-1", "17"],
          ["web-2", "30"],
        ]);
      await page.getByTestId("edit-toggle").click();
      const order = page.locator('[data-widget-id="web"] select[aria-label^="Legend order"]');
      await order.selectOption("value");
      await page.getByTestId("save-state").filter({ hasText: "Layout saved" }).waitFor();
      expect(await layoutOf("web")).toMatchObject({ legend_sort: "value" });
      await expect
        .poll(() => entries(page, "web").then(named))
        .toEqual([
          ["web-2", "30"],
          ["web-1", "17"],
        ]);
      // re-ordered live as the ranking changes; the line's colour and hidden state go with it
      await web1(50);
      await expect
        .poll(() => entries(page, "web").then(named))
        .toEqual([
          ["web-1", "50"],
          ["web-2", "30"],
        ]);
      await legend(page, "web").first().locator("button").click();
      await web1(5);
      await expect
        .poll(() => entries(page, "web").then(named))
        .toEqual([
          ["web-2", "30"],
          ["web-1", "5"],
        ]);
      const [second, first] = await entries(page, "web");
      expect([first?.name, first?.drawn, first?.color]).toEqual([
        "web-1",
        "hidden",
        String(colorSlot(first!.key)),
      ]);
      expect(second?.drawn).toBe("shown");
      // another panel keeps name order: its values rise with the name (node-0 is 0, node-1 is 1…)
      expect((await entries(page, "many")).slice(0, 3).map((e) => [e.name, e.latest])).toEqual([
        ["node-0", "0"],
        ["node-1", "1"],
        ["node-2", "2"],
      ]);

      // the choice is the panel's, kept across a reload; back to name order on request
      await page.reload();
      await expect
        .poll(() => entries(page, "web").then(named), { timeout: 15_000 })
        .toEqual([
          ["web-2", "30"],
          ["web-1", "5"],
        ]);
      await page.getByTestId("edit-toggle").click();
      await order.selectOption("name");
      await page.getByTestId("save-state").filter({ hasText: "Layout saved" }).waitFor();
      await expect
        .poll(() => entries(page, "web").then(named))
        .toEqual([
          ["web-1", "5"],
          ["web-2", "30"],
        ]);
      expect((await layoutOf("web"))?.legend_sort).toBeUndefined();
    } finally {
      await page.close();
    }
  });

  it("has no serious or critical axe violation, in both themes, with a line hidden and in the editor", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      await expect.poll(() => entries(page, "web").then((l) => l.length), { timeout: 15_000 }).toBe(2);
      await legend(page, "web").first().locator("button").click();
      for (const theme of ["dark", "light"] as const) {
        const current = await page.evaluate(() => document.documentElement.dataset.theme);
        if (current !== theme) await page.getByTestId("theme-toggle").click();
        await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
        expect(await seriousViolations(page), theme).toEqual([]);
      }
      await page.getByTestId("edit-toggle").click();
      const form = page.getByRole("form", { name: "Add widget" });
      await form.locator("select[name=widget-metric]").selectOption("fcpu");
      await form.locator("input[name=widget-series]").fill("cpu{");
      await form.getByTestId("selector-error").waitFor();
      expect(await seriousViolations(page), "editor with an error").toEqual([]);
    } finally {
      await page.close();
    }
  });
});
