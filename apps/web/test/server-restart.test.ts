// A server restart under an open dashboard: the page reconnects by itself and the chart ends up
// with every stored point, including those published while it was reconnecting (no gap).
import type { ChromiumHandle } from "@pulseboard/test-support";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  chartSeries,
  createFixture,
  ensureWebBuilt,
  type Fixture,
  ingest,
  loginToDashboard,
  openBrowser,
  type ServerProcess,
  startServer,
  untilLive,
} from "./e2e.ts";

let server: ServerProcess;
let browser: ChromiumHandle;
let fixture: Fixture;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer();
  fixture = await createFixture(server.url, "Restart spec", 2);
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

it("charts have no gap across a server restart", async () => {
  const page = await browser.context.newPage();
  await loginToDashboard(page, server.url, fixture.dashboardId);
  const status = page.getByTestId("connection-status");

  const sent: Record<number, number[]> = {};
  let clock = Date.now() - 20_000;
  const publish = async (count: number) => {
    const points = [];
    for (let i = 0; i < count; i++) {
      clock = Math.max(clock + 1, Date.now() - 20_000);
      for (const id of fixture.metricIds) {
        points.push({ metric_id: id, value: clock % 1000, timestamp: new Date(clock).toISOString() });
        const list = sent[id] ?? [];
        list.push(clock);
        sent[id] = list;
      }
    }
    await ingest(server.url, fixture.token, points);
  };

  for (let i = 0; i < 10; i++) {
    await publish(1);
    await page.waitForTimeout(100);
  }
  await server.stop();
  await status.filter({ hasText: "Reconnecting" }).waitFor();
  await server.start();
  // Published as soon as the server is back, before the page has reconnected: more than the
  // 100 points of history a new connection gets, so only `resume` can fill this in.
  await publish(150);
  await untilLive(page, { timeout: 20_000 });
  for (let i = 0; i < 10; i++) {
    await publish(1);
    await page.waitForTimeout(100);
  }

  for (const id of fixture.metricIds) {
    const expected = sent[id]!;
    await page.waitForFunction(
      ([metric, last]) => window.__pulseboardSeries(metric)?.timestamps.includes(last) ?? false,
      [id, expected.at(-1)!] as const,
      { timeout: 15_000 },
    );
    const series = await chartSeries(page, id);
    const shown = new Set(series?.timestamps);
    const missing = expected.filter((t) => !shown.has(t));
    expect(missing).toEqual([]);
    // strictly increasing: no duplicates, no out-of-order points from the replay
    const ts = series!.timestamps;
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
  }
  await page.close();
}, 90_000);
