// Produces docs/screenshots/rule-sets-{dark,light}.png (1440×900) and rule-sets-phone-{dark,light}.png
// (390×844): a real server, a "Fleet" dashboard whose cpu_percent family of six hosts arrives over
// labeled JSON ingest with a live feed (its panel's legend ordered by value), two rule sets made by
// selector, and the toolbar's "Rule sets" panel open in Chromium, its new-set form holding a
// selector (wide: one that does not parse, its error inline; phone: one that does, with its match
// count), once per theme.
//   npx tsx apps/web/scripts/rule-sets-screenshots.ts
import { resolve } from "node:path";
import { ensureWebBuilt, login, openBrowser, restSession, startServer } from "../test/e2e.ts";

const OUT = resolve(import.meta.dirname, "../../../docs/screenshots");
const HOSTS = [
  { host: "web-1", role: "web", base: 42 },
  { host: "web-2", role: "web", base: 88 },
  { host: "web-3", role: "web", base: 36 },
  { host: "web-10", role: "web", base: 61 },
  { host: "db-1", role: "db", base: 24 },
  { host: "db-2", role: "db", base: 30 },
];
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
  await call("POST", `/api/v1/dashboards/${dashboard.id}/metrics`, {
    name: "cpu_percent",
    type: "gauge",
    unit: "%",
  });
  const { token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: "fleet" });
  const pointsAt = (ms: number) => {
    const t = ms / 1000;
    return HOSTS.map((h, k) => ({
      dashboard_id: dashboard.id,
      metric: "cpu_percent",
      labels: { host: h.host, role: h.role },
      value: Math.round((h.base + 6 * wave(t, k)) * 10) / 10,
      timestamp: new Date(ms).toISOString(),
    }));
  };
  const send = async (points: unknown[]) => {
    const r = await fetch(`${server.url}/api/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ points }),
    });
    if (r.status !== 200) throw new Error(`ingest → ${r.status} ${await r.text()}`);
  };
  const now = Date.now();
  const history: unknown[] = [];
  for (let i = 150; i > 0; i--) history.push(...pointsAt(now - i * 2000));
  await send(history);
  for (const body of [
    { selector: 'cpu_percent{role="web"}', condition: "above", threshold: 80, duration_s: 30 },
    {
      selector: 'cpu_percent{host=~"db-.*"}',
      condition: "above",
      threshold: 90,
      hysteresis: 5,
      no_data_s: 120,
    },
  ])
    await call("POST", `/api/v1/dashboards/${dashboard.id}/alert-rules/by-selector`, body);
  await call("PUT", `/api/v1/dashboards/${dashboard.id}/layout`, {
    widgets: [
      {
        id: "hosts",
        type: "metric",
        series: "cpu_percent",
        title: "CPU by host",
        legend_sort: "value",
        x: 0,
        y: 0,
        w: 8,
        h: 5,
      },
      { id: "alerts", type: "alerts", x: 8, y: 0, w: 4, h: 5 },
    ],
  });
  const feed = (async () => {
    while (feeding) {
      await send(pointsAt(Date.now())).catch(() => {});
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();

  for (const [viewport, suffix, matchers] of [
    [{ width: 1440, height: 900 }, "", '{host=~"web-(1|2"}'],
    [{ width: 390, height: 844 }, "-phone", '{host="web-10"}'],
  ] as const) {
    const browser = await openBrowser({ viewport });
    try {
      const page = await browser.context.newPage();
      await login(page, server.url, `/dashboards/${dashboard.id}`);
      await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor();
      await page.getByTestId("rule-sets-toggle").click();
      const panel = page.getByTestId("rule-sets-panel");
      await panel.locator("[data-set-id]").nth(1).waitFor();
      await panel.getByLabel("Label matchers").fill(matchers);
      await panel.getByRole("form", { name: "New alert rule set" }).getByLabel("Threshold").fill("95");
      for (const theme of ["dark", "light"] as const) {
        const current = await page.evaluate(() => document.documentElement.dataset.theme);
        // The toggle is behind the modal panel: switch the theme the way it does, then come back.
        if (current !== theme) {
          await page.keyboard.press("Escape");
          await page.getByTestId("theme-toggle").click();
          await page.getByTestId("rule-sets-toggle").click();
          await panel.locator("[data-set-id]").nth(1).waitFor();
          await panel.getByLabel("Label matchers").fill(matchers);
          await panel.getByRole("form", { name: "New alert rule set" }).getByLabel("Threshold").fill("95");
        }
        await page.waitForTimeout(1200);
        const path = `${OUT}/rule-sets${suffix}-${theme}.png`;
        await page.screenshot({ path });
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
