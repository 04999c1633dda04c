// Dashboards as code in Chromium: a dashboard's definition downloaded from one instance and
// imported on the dashboard list of an empty one reproduces it (same panels, titles, kinds and
// tags), and the list finds it by search and by tag.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ensureWebBuilt,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  settled,
  signedInBrowser,
  startServer,
  untilLive,
} from "./e2e.ts";

let source: ServerProcess;
let empty: ServerProcess;
let sourceBrowser: ChromiumHandle;
let emptyBrowser: ChromiumHandle;
let downloads: string;

beforeAll(async () => {
  ensureWebBuilt();
  [source, empty] = await Promise.all([startServer(), startServer()]);
  downloads = mkdtempSync(join(tmpdir(), "pb-definition-dl-"));
  sourceBrowser = await signedInBrowser(source.url, { downloadsPath: downloads });
  emptyBrowser = await signedInBrowser(empty.url);
}, 120_000);

afterAll(async () => {
  await sourceBrowser?.close();
  await emptyBrowser?.close();
  await source?.destroy();
  await empty?.destroy();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

/** What a person sees of a dashboard: each panel's title and what it draws, in reading order. */
async function panels(page: Page) {
  return settled(page, () =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("[data-widget-id]")]
        .map((el) => {
          const r = el.getBoundingClientRect();
          return {
            top: Math.round(r.top),
            left: Math.round(r.left),
            title: el.querySelector(".widget-title")?.textContent ?? "",
            kind:
              el.querySelector(".metric")?.className ?? el.querySelector(".widget-body > *")?.className ?? "",
          };
        })
        .sort((a, b) => a.top - b.top || a.left - b.left)
        .map(({ title, kind }) => ({ title, kind })),
    ),
  );
}

it("reproduces an exported dashboard when its definition is imported into an empty instance", async () => {
  const { call } = await restSession(source.url);
  const d = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "Checkout", slug: "checkout" });
  const metric = async (name: string, type: string, unit: string) =>
    (await call<{ id: number }>("POST", `/api/v1/dashboards/${d.id}/metrics`, { name, type, unit })).id;
  const latency = await metric("latency", "histogram", "ms");
  const orders = await metric("orders", "counter", "orders");
  await call("PUT", `/api/v1/dashboards/${d.id}/layout`, {
    widgets: [
      { id: "p", type: "metric", metric_id: latency, title: "Checkout latency", x: 0, y: 0, w: 6, h: 4 },
      { id: "h", type: "metric", metric_id: latency, chart: "heatmap", x: 6, y: 0, w: 6, h: 4 },
      {
        id: "o",
        type: "metric",
        metric_id: orders,
        chart: "stat",
        title: "Orders/s",
        x: 0,
        y: 4,
        w: 3,
        h: 3,
      },
      { id: "n", type: "text", text: "Owned by **payments**", x: 3, y: 4, w: 5, h: 3 },
    ],
  });
  await call("PATCH", `/api/v1/dashboards/${d.id}`, { tags: ["payments", "prod"] });
  await call("POST", `/api/v1/dashboards/${d.id}/alert-rules`, {
    metric_id: latency,
    condition: "above",
    threshold: 250,
  });

  const page = await openLiveDashboard(sourceBrowser, source.url, d.id);
  let original: Awaited<ReturnType<typeof panels>>;
  let file: string;
  try {
    original = await panels(page);
    expect(original.map((p) => p.title)).toEqual([
      "Checkout latency (ms)",
      "latency (ms)",
      "Orders/s (orders)",
      "Note",
    ]);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("export-definition").click(),
    ]);
    expect(download.suggestedFilename()).toBe("checkout.dashboard.json");
    file = join(downloads, "checkout.dashboard.json");
    await download.saveAs(file);
  } finally {
    await page.close();
  }

  const list = await emptyBrowser.context.newPage();
  try {
    await list.goto(empty.url);
    await list.getByRole("heading", { name: "Dashboards" }).waitFor();
    // (the demo user's own demo dashboards are there; nothing of the source instance is)
    await expect(list.getByRole("link", { name: /Checkout/ }).count()).resolves.toBe(0);
    await list.locator("input[name=definition-file]").setInputFiles(file);
    await list.waitForURL(/\/dashboards\/\d+/);
    await untilLive(list);
    await expect(list.getByTestId("dashboard-name").textContent()).resolves.toBe("Checkout");
    expect(await panels(list)).toEqual(original);
    // the imported dashboard is found by search and by tag on the list
    await list.goto(empty.url);
    await list.getByRole("link", { name: /Checkout/ }).waitFor();
    await list.getByLabel("Search").fill("nothing like it");
    await list.getByText("No dashboard matches").waitFor();
    await list.getByLabel("Search").fill("");
    await list.getByLabel("Tag").selectOption("payments");
    await expect(list.locator(".dashboard-link").count()).resolves.toBe(1);
    await expect(list.locator(".dashboard-link").textContent()).resolves.toContain("prod");
  } finally {
    await list.close();
  }
  // the rule came along (a definition carries alert rules), the data did not
  const target = await restSession(empty.url);
  const copy = (await target.call<{ id: number; slug: string }[]>("GET", "/api/v1/dashboards")).find(
    (x) => x.slug === "checkout",
  );
  expect(copy).toBeTruthy();
  const rules = await target.call<{ threshold: number }[]>(
    "GET",
    `/api/v1/dashboards/${copy?.id}/alert-rules`,
  );
  expect(rules.map((r) => r.threshold)).toEqual([250]);
});
