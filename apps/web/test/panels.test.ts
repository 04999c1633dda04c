// Panels and layout in Chromium against the real server, as a person sees them: stat with colour
// thresholds, gauge, sortable table and Markdown note; custom titles, duplicating a panel (into the
// first free slot), one panel alone and TV mode (both in the URL, Esc leaves); settings in a drawer
// that keeps focus and closes on Esc; diagnostics in the status bar, not on the canvas; empty panels
// saying how to send data; an error page with a way back; the tokens page's example working as pasted.
import { execFileSync } from "node:child_process";
import type { ChromiumHandle } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureWebBuilt,
  ingest,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  settled,
  signedInBrowser,
  startServer,
} from "./e2e.ts";

let server: ServerProcess;
let browser: ChromiumHandle;
let token: string;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer();
  browser = await signedInBrowser(server.url);
  const { call } = await restSession(server.url);
  token = (await call<{ token: string }>("POST", "/api/v1/tokens", { name: "panels" })).token;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

async function dashboard(name: string, metrics: { name: string; unit: string }[], widgets?: unknown[]) {
  const { call } = await restSession(server.url);
  const d = await call<{ id: number }>("POST", "/api/v1/dashboards", { name });
  const ids: number[] = [];
  for (const m of metrics)
    ids.push(
      (await call<{ id: number }>("POST", `/api/v1/dashboards/${d.id}/metrics`, { ...m, type: "gauge" })).id,
    );
  if (widgets)
    await call("PUT", `/api/v1/dashboards/${d.id}/layout`, {
      widgets: widgets.map((w) =>
        JSON.parse(JSON.stringify(w).replaceAll('"$0"', String(ids[0])).replaceAll('"$1"', String(ids[1]))),
      ),
    });
  return { id: d.id, ids, call };
}

const now = (s = 0) => new Date(Date.now() - s * 1000).toISOString();

describe("panel kinds", () => {
  it("colours a stat by its thresholds and fills a gauge to its share of the range", async () => {
    const steps = [
      { value: 0, color: "green" },
      { value: 80, color: "red" },
    ];
    const { id, ids } = await dashboard(
      "Stat",
      [{ name: "cpu", unit: "%" }],
      [
        {
          id: "s",
          type: "metric",
          metric_id: "$0",
          chart: "stat",
          thresholds: steps,
          x: 0,
          y: 0,
          w: 3,
          h: 3,
        },
        { id: "g", type: "metric", metric_id: "$0", chart: "gauge", x: 3, y: 0, w: 3, h: 3 },
      ],
    );
    const [cpu] = ids as [number];
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      const stat = page.locator('[data-widget-id="s"]').getByTestId(`value-${cpu}`);
      await ingest(server.url, token, [{ metric_id: cpu, value: 42, timestamp: now(2) }]);
      await stat.filter({ hasText: "42%" }).waitFor();
      const green = await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--ok"),
      );
      const colour = () => stat.evaluate((el) => getComputedStyle(el).color);
      const rgb = (hex: string) => {
        const n = Number.parseInt(hex.trim().slice(1), 16);
        return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
      };
      expect(await colour()).toBe(rgb(green));
      await ingest(server.url, token, [{ metric_id: cpu, value: 91.5, timestamp: now(1) }]);
      await stat.filter({ hasText: "91.5%" }).waitFor();
      const red = await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--danger"),
      );
      expect(await colour()).toBe(rgb(red));
      await expect(page.getByTestId(`gauge-${cpu}`).textContent()).resolves.toBe("91.5%");
    } finally {
      await page.close();
    }
  });

  it("lists the latest value of each series in a table sorted by the clicked column", async () => {
    const { id, ids } = await dashboard(
      "Table",
      [
        { name: "alpha", unit: "ms" },
        { name: "beta", unit: "B/s" },
      ],
      [{ id: "t", type: "table", x: 0, y: 0, w: 6, h: 4 }],
    );
    const [a, b] = ids as [number, number];
    await ingest(server.url, token, [
      { metric_id: a, value: 5, timestamp: now(3) },
      { metric_id: b, value: 3 * 1024 * 1024, timestamp: now(2) },
    ]);
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      const table = page.getByTestId("value-table");
      const rows = () => table.locator("tbody tr").allInnerTexts();
      await table.getByText("3 MiB/s").waitFor();
      expect((await rows()).map((r) => r.split("\t")[0])).toEqual(["alpha", "beta"]);
      await table.getByRole("button", { name: /Latest/ }).click();
      await table.getByRole("button", { name: /Latest/ }).click();
      // descending by value: beta's 3 MiB/s (3,145,728) before alpha's 5
      expect((await rows()).map((r) => r.split("\t")[0])).toEqual(["beta", "alpha"]);
    } finally {
      await page.close();
    }
  });

  it("renders a note's Markdown, and never its raw HTML", async () => {
    const { id } = await dashboard(
      "Note",
      [],
      [
        {
          id: "n",
          type: "text",
          text: "## Runbook\n**Call** the on-call.\n<img src=x onerror=\"document.title='owned'\">",
          x: 0,
          y: 0,
          w: 6,
          h: 3,
        },
      ],
    );
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      const note = page.locator('[data-widget-id="n"]');
      await note.getByRole("heading", { name: "Runbook" }).waitFor();
      await expect(note.locator("strong").textContent()).resolves.toBe("Call");
      expect(await note.locator("img").count()).toBe(0);
      expect(await page.title()).not.toBe("owned");
    } finally {
      await page.close();
    }
  });
});

describe("arranging panels", () => {
  it("gives a panel its own title, duplicates it into the first free slot, and keeps both", async () => {
    const { id, ids, call } = await dashboard(
      "Titles",
      [{ name: "latency", unit: "ms" }],
      [{ id: "a", type: "metric", metric_id: "$0", x: 0, y: 0, w: 4, h: 4 }],
    );
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await page.getByTestId("edit-toggle").click();
      const title = page.getByLabel("Title for latency");
      await title.fill("API latency");
      await title.press("Enter");
      await page.locator('[data-widget-id="a"] .widget-title').filter({ hasText: "API latency" }).waitFor();
      await page.getByTestId("save-state").filter({ hasText: "Layout saved" }).waitFor();
      await page.getByRole("button", { name: "Duplicate API latency" }).click();
      await expect
        .poll(
          async () =>
            (await call<{ widgets: unknown[] }>("GET", `/api/v1/dashboards/${id}/layout`)).widgets.length,
        )
        .toBe(2);
      const { widgets } = await call<{
        widgets: { id: string; title?: string; x: number; y: number; metric_id?: number }[];
      }>("GET", `/api/v1/dashboards/${id}/layout`);
      const copy = widgets.find((w) => w.id !== "a");
      // top row, right of the original, not below it
      expect(copy).toMatchObject({ title: "API latency", metric_id: ids[0], x: 4, y: 0 });
      await page.reload();
      const titled = page.locator(".widget-title").filter({ hasText: "API latency" });
      await titled.nth(1).waitFor(); // after the reload has drawn the grid again
      await expect(titled.count()).resolves.toBe(2);
    } finally {
      await page.close();
    }
  });

  it("shows one panel alone and TV mode from the URL, and Esc leaves each", async () => {
    const { id } = await dashboard("Views", [
      { name: "one", unit: "ms" },
      { name: "two", unit: "ms" },
    ]);
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      const cards = page.locator("[data-widget-id]");
      await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(2);
      await page.getByRole("button", { name: "View two alone" }).click();
      await page.waitForURL((u) => u.searchParams.get("panel") !== null);
      await expect.poll(() => cards.count()).toBe(1);
      await expect(page.locator(".widget-title").textContent()).resolves.toContain("two");
      await page.keyboard.press("Escape");
      await page.waitForURL((u) => u.searchParams.get("panel") === null);
      await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(2);

      await page.getByTestId("kiosk-toggle").click();
      await page.waitForURL((u) => u.searchParams.get("kiosk") === "1");
      expect(await page.locator(".topbar").count()).toBe(0);
      expect(await page.getByRole("toolbar").isVisible()).toBe(false);
      expect(await page.locator(".statusbar").count()).toBe(0);
      expect(await cards.count()).toBeGreaterThanOrEqual(2);
      // a reload stays in TV mode (the URL says so)
      await page.reload();
      await cards.first().waitFor();
      expect(await page.locator(".topbar").count()).toBe(0);
      await page.keyboard.press("Escape");
      await page.waitForURL((u) => u.searchParams.get("kiosk") === null);
      await page.locator(".topbar").waitFor();
    } finally {
      await page.close();
    }
  });

  it("opens settings in a drawer that keeps keyboard focus and closes on Esc", async () => {
    const { id } = await dashboard("Drawer", [{ name: "d", unit: "ms" }]);
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      const opener = page.getByRole("toolbar").getByRole("button", { name: "Settings", exact: true });
      await opener.click();
      const drawer = page.getByTestId("dashboard-settings");
      await drawer.waitFor();
      for (let i = 0; i < 25; i++) {
        await page.keyboard.press("Tab");
        const inside = await page.evaluate(
          () => document.activeElement?.closest("[data-testid=dashboard-settings]") !== null,
        );
        expect(inside, `focus after ${i + 1} Tab presses`).toBe(true);
      }
      await page.keyboard.press("Escape");
      await drawer.waitFor({ state: "detached" });
      // focus is back where the drawer was opened from
      await expect(opener.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    } finally {
      await page.close();
    }
  });
});

describe("what a dashboard shows first", () => {
  it("keeps stream diagnostics in the status bar and puts the data first on a phone", async () => {
    const { id, ids } = await dashboard("Phone", [{ name: "first_metric", unit: "ms" }]);
    const phone = await signedInBrowser(server.url, { viewport: { width: 390, height: 844 } });
    try {
      const page = await openLiveDashboard(phone, server.url, id);
      await ingest(server.url, token, [{ metric_id: ids[0] as number, value: 1, timestamp: now(1) }]);
      await page.getByTestId("received-count").filter({ hasText: "1" }).waitFor();
      await expect(page.locator(".statusbar").textContent()).resolves.toContain("active connections");
      expect(await page.locator('[data-widget-id="counter"], [data-widget-id="activity"]').count()).toBe(0);
      const first = await settled(
        page,
        async () => (await page.locator("[data-widget-id]").first().boundingBox())?.y,
      );
      expect(first).toBeLessThan(300);
      await expect(page.locator("[data-widget-id]").first().textContent()).resolves.toContain("first_metric");
    } finally {
      await phone.close();
    }
  });

  it("says in an empty panel how to send it data", async () => {
    const { id, ids } = await dashboard("Empty", [{ name: "quiet", unit: "ms" }]);
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      const hint = page.getByTestId(`empty-${ids[0]}`);
      await expect(hint.textContent()).resolves.toContain(`"metric_id":${ids[0]}`);
      await ingest(server.url, token, [{ metric_id: ids[0] as number, value: 3, timestamp: now(1) }]);
      await hint.waitFor({ state: "detached" });
    } finally {
      await page.close();
    }
  });

  it("answers a dashboard that does not exist with a way back to the list", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.url}/dashboards/999999`);
      await page.getByRole("alert").waitFor();
      await page.getByRole("link", { name: /Back to your dashboards/ }).click();
      await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    } finally {
      await page.close();
    }
  });

  it("hands out an ingest example on the tokens page that works as pasted", async () => {
    const { ids } = await dashboard("Example target", [{ name: "target_metric", unit: "ms" }]);
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.url}/tokens`);
      await page.fill("input[name=token-name]", "pasted");
      await page.getByRole("button", { name: "Create token" }).click();
      const example = (await page.getByTestId("ingest-example").textContent()) ?? "";
      const out = execFileSync("sh", ["-c", `${example} -s -w ' %{http_code}'`], { encoding: "utf8" });
      expect(out.trim().endsWith("200")).toBe(true);
      // the metric the example names (the first of the user's first writable dashboard) got the point
      const named = Number(/"metric_id":(\d+)/.exec(example)?.[1]);
      expect(Number.isInteger(named)).toBe(true);
      const { call } = await restSession(server.url);
      const stored = await call<{ values: { value: number }[] }>("GET", `/api/v1/metrics/${named}/values`);
      expect(stored.values.map((v) => v.value)).toContain(1);
      void ids;
    } finally {
      await page.close();
    }
  });
});
