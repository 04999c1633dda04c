// Produces docs/screenshots/series-{dark,light}.png (1440×900) and series-phone-{dark,light}.png
// (390×844): a real server, a "Fleet" dashboard whose families arrive over labeled JSON ingest
// (cpu_percent of six hosts in two roles, load of 80 nodes), five minutes of backfilled history and a
// live feed while the page is open; its series panels (per host, per role averaged, a capped one,
// one with a line hidden from its legend), in Chromium, once per theme.
//   npx tsx apps/web/scripts/series-screenshots.ts
import { resolve } from "node:path";
import { ensureWebBuilt, login, openBrowser, restSession, startServer } from "../test/e2e.ts";

const OUT = resolve(import.meta.dirname, "../../../docs/screenshots");
const HOSTS = [
  { host: "web-1", role: "web", base: 42 },
  { host: "web-2", role: "web", base: 55 },
  { host: "web-3", role: "web", base: 36 },
  { host: "web-10", role: "web", base: 61 },
  { host: "db-1", role: "db", base: 24 },
  { host: "db-2", role: "db", base: 30 },
];
const NODES = 80;
const wave = (t: number, k: number) => Math.sin(t / 9 + k) * 0.6 + Math.sin(t / 2.7 + 2 * k) * 0.4;

ensureWebBuilt();
const server = await startServer();
let feeding = true;
try {
  const { call } = await restSession(server.url);
  const dashboard = await call<{ id: number }>("POST", "/api/v1/dashboards", {
    name: "Fleet",
    description: "Hosts by label",
  });
  for (const [name, unit] of [
    ["cpu_percent", "%"],
    ["load", ""],
  ] as const)
    await call("POST", `/api/v1/dashboards/${dashboard.id}/metrics`, { name, type: "gauge", unit });
  const { token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: "fleet" });
  const pointsAt = (ms: number) => {
    const t = ms / 1000;
    const timestamp = new Date(ms).toISOString();
    return [
      ...HOSTS.map((h, k) => ({
        dashboard_id: dashboard.id,
        metric: "cpu_percent",
        labels: { host: h.host, role: h.role },
        value: Math.round((h.base + 12 * wave(t, k)) * 10) / 10,
        timestamp,
      })),
      ...Array.from({ length: NODES }, (_, k) => ({
        dashboard_id: dashboard.id,
        metric: "load",
        labels: { node: `node-${k}` },
        value: Math.round((1 + (k % 7) * 0.4 + 0.3 * wave(t, k)) * 100) / 100,
        timestamp,
      })),
    ];
  };
  const send = async (points: unknown[]) => {
    const r = await fetch(`${server.url}/api/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ points }),
    });
    if (r.status !== 200) throw new Error(`ingest → ${r.status} ${await r.text()}`);
  };
  // Five minutes of history, a point every 2 s per series (batches under the ingest limit).
  const now = Date.now();
  let batch: unknown[] = [];
  for (let i = 150; i > 0; i--) {
    batch.push(...pointsAt(now - i * 2000));
    if (batch.length > 8000) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length) await send(batch);
  await call("PUT", `/api/v1/dashboards/${dashboard.id}/layout`, {
    widgets: [
      { id: "hosts", type: "metric", series: "cpu_percent", title: "CPU by host", x: 0, y: 0, w: 6, h: 5 },
      {
        id: "roles",
        type: "metric",
        series: "cpu_percent",
        group_by: ["role"],
        title: "CPU by role (avg)",
        x: 6,
        y: 0,
        w: 6,
        h: 5,
      },
      {
        id: "web",
        type: "metric",
        series: 'cpu_percent{host=~"web-.*"}',
        chart: "area",
        title: "Web tier",
        x: 0,
        y: 5,
        w: 6,
        h: 5,
      },
      { id: "load", type: "metric", series: "load", title: "Load of every node", x: 6, y: 5, w: 6, h: 5 },
    ],
  });
  const metrics = await call<{ id: number; name: string }[]>(
    "GET",
    `/api/v1/dashboards/${dashboard.id}/metrics`,
  );
  // the 50th node by name (node-0 … node-49 are drawn): the last line of the capped panel
  const lastNode = metrics.find((m) => m.name === 'load{node="node-49"}')?.id ?? 0;
  const feed = (async () => {
    while (feeding) {
      await send(pointsAt(Date.now())).catch(() => {});
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();

  for (const [viewport, suffix] of [
    [{ width: 1440, height: 900 }, ""],
    [{ width: 390, height: 844 }, "-phone"],
  ] as const) {
    const browser = await openBrowser({ viewport });
    try {
      const page = await browser.context.newPage();
      await login(page, server.url, `/dashboards/${dashboard.id}`);
      await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor();
      // Until the history of the last drawn node is in (86 series are read a few at a time).
      await page.waitForFunction(
        ({ id, since }) => {
          const u = window.__pulseboardPlot(id);
          const line = u?.data[u.data.length - 1];
          if (!u || !line) return false;
          const first = line.findIndex((v) => v != null);
          return first >= 0 && (u.data[0][first] as number) * 1000 < since;
        },
        { id: lastNode, since: Date.now() - 240_000 },
        { timeout: 60_000 },
      );
      // A line hidden from its legend (struck through, not drawn).
      await page.locator('[data-widget-id="web"] [data-key*="web-10"] button').click();
      await page.waitForTimeout(2500);
      for (const theme of ["dark", "light"] as const) {
        const current = await page.evaluate(() => document.documentElement.dataset.theme);
        if (current !== theme) await page.getByTestId("theme-toggle").click();
        await page.mouse.move(1, viewport.height - 2);
        await page.waitForTimeout(1200);
        if (!suffix) {
          const chart = page.locator('[data-widget-id="hosts"] .u-over');
          const box = await chart.boundingBox();
          if (box) await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5);
          await page.waitForTimeout(300);
        }
        const path = `${OUT}/series${suffix}-${theme}.png`;
        await page.screenshot({ path, fullPage: !suffix });
        console.log(`wrote ${path}`);
      }
    } finally {
      await browser.close();
    }
  }
  feeding = false;
  await feed;
} finally {
  feeding = false;
  await server.destroy();
}
