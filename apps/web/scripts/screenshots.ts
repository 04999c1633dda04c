// Produces docs/screenshots/dashboard-{dark,light}.png: a real server with the synthetic and
// system collectors, an alert rule that fires, the UI in Chromium in each theme.
//   npx tsx apps/web/scripts/screenshots.ts
import { resolve } from "node:path";
import { createFixture, ensureWebBuilt, login, openBrowser, restSession, startServer } from "../test/e2e.ts";

const OUT = resolve(import.meta.dirname, "../../../docs/screenshots");
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 25_000);

ensureWebBuilt();
const server = await startServer({
  PULSEBOARD_SYNTHETIC: "1",
  PULSEBOARD_SYSTEM: "1",
  PULSEBOARD_COLLECTOR_INTERVAL_MS: "500",
});
const browser = await openBrowser({ viewport: { width: 1440, height: 1000 } });
try {
  const { call } = await restSession(server.url);
  // Let the collectors create their metrics, then put an alert on the demo temperature.
  await new Promise((r) => setTimeout(r, 3000));
  const dashboards = await call<{ id: number; slug: string }[]>("GET", "/api/v1/dashboards");
  const demo = dashboards.find((d) => d.slug === "demo");
  if (!demo) throw new Error(`no demo dashboard: ${JSON.stringify(dashboards)}\n${server.output()}`);
  const metrics = await call<{ id: number; name: string }[]>("GET", `/api/v1/dashboards/${demo.id}/metrics`);
  const temperature = metrics.find((m) => m.name === "temperature");
  if (temperature) {
    await call("POST", `/api/v1/dashboards/${demo.id}/alert-rules`, {
      metric_id: temperature.id,
      condition: "above",
      threshold: 20,
      duration_s: 0,
      hysteresis: 0,
      enabled: true,
    }).catch((e) => console.warn(`alert rule not created: ${e}`));
  }
  void createFixture;
  const page = await browser.context.newPage();
  await login(page, server.url, `/dashboards/${demo.id}`);
  await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor();
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  for (const theme of ["dark", "light"] as const) {
    const current = await page.evaluate(() => document.documentElement.dataset.theme);
    if (current !== theme) await page.getByTestId("theme-toggle").click();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${OUT}/dashboard-${theme}.png`, fullPage: true });
    console.log(`wrote ${OUT}/dashboard-${theme}.png`);
  }
} finally {
  await browser.close();
  await server.destroy();
}
