// Charts keep up with 50 metrics at 10 updates/s each — checked as behaviour, not as timing (the
// machine may be loaded; frame times are measured by bench/src/ui-frames.ts). In real Chromium
// against the real server, a few seconds of that load must: land every point in its chart in
// order, make each chart call uPlot.setData at most once per animation frame, and cause no React
// render of the metric cards per point. Read from the page's own counters (window.__pulseboardPerf).
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  chartSeries,
  createFixture,
  ensureWebBuilt,
  type Fixture,
  ingest,
  loginToDashboard,
  openBrowser,
  type SeriesDump,
  type ServerProcess,
  startServer,
} from "./e2e.ts";

const METRICS = 50;
const RATE_HZ = 10;
const SECONDS = 4;

let server: ServerProcess;
let browser: ChromiumHandle;
let fixture: Fixture;
let page: Page;
/** What was published: per tick one timestamp (ms) and per metric its value. */
const published: { at: number; values: number[] }[] = [];
let perf: {
  setDataCalls: number;
  maxSetDataPerChartFrame: number;
  metricCardRenders: number;
  frames: number;
};
const series = new Map<number, SeriesDump>();
let received = 0;

const valueAt = (tick: number, metric: number) =>
  Math.round((Math.sin(tick / 5 + metric) * 50 + 50) * 100) / 100;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer();
  fixture = await createFixture(server.url, "Perf spec", METRICS);
  browser = await openBrowser();
  page = await browser.context.newPage();
  await loginToDashboard(page, server.url, fixture.dashboardId);
  await page.waitForFunction((n) => window.__pulseboardCharts() >= n, METRICS);
  await page.waitForTimeout(500);
  await page.evaluate(() => window.__pulseboardPerf.reset());

  // 10 ticks a second, each one ingest call carrying a point for every metric.
  const started = Date.now();
  const calls: Promise<void>[] = [];
  for (let tick = 0; tick < SECONDS * RATE_HZ; tick++) {
    const at = started + tick * (1000 / RATE_HZ);
    const wait = at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const values = fixture.metricIds.map((_, i) => valueAt(tick, i));
    published.push({ at, values });
    calls.push(
      ingest(
        server.url,
        fixture.token,
        fixture.metricIds.map((id, i) => ({
          metric_id: id,
          value: values[i] as number,
          timestamp: new Date(at).toISOString(),
        })),
      ),
    );
  }
  await Promise.all(calls);
  const last = published.at(-1)?.at as number;
  await page.waitForFunction(
    ([ids, t]) => ids.every((id) => window.__pulseboardSeries(id)?.timestamps.includes(t)),
    [fixture.metricIds, last] as const,
    { timeout: 60_000 },
  );
  perf = await page.evaluate(() => {
    const p = window.__pulseboardPerf;
    return {
      setDataCalls: p.setDataCalls,
      maxSetDataPerChartFrame: p.maxSetDataPerChartFrame,
      metricCardRenders: p.metricCardRenders,
      frames: p.frames,
    };
  });
  for (const id of fixture.metricIds) series.set(id, await chartSeries(page, id));
  received = Number((await page.getByTestId("received-count").textContent())?.replace(/,/g, ""));
  console.log(
    `chart behaviour under load: ${perf.setDataCalls} setData over ${perf.frames} frames, ` +
      `max ${perf.maxSetDataPerChartFrame} per chart per frame, ${perf.metricCardRenders} card renders`,
  );
}, 180_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await server?.destroy();
});

it("puts every published point into its chart, in order, with its value", () => {
  expect(received).toBeGreaterThanOrEqual(published.length * METRICS);
  fixture.metricIds.forEach((id, m) => {
    const dump = series.get(id);
    expect(dump, `chart of metric ${id}`).toBeTruthy();
    const { timestamps, values } = dump as NonNullable<SeriesDump>;
    for (let i = 1; i < timestamps.length; i++) {
      expect(timestamps[i] as number, `metric ${id} sorted`).toBeGreaterThan(timestamps[i - 1] as number);
    }
    const index = new Map(timestamps.map((t, i) => [t, i]));
    const missing = published.filter((p) => !index.has(p.at)).map((p) => p.at);
    expect(missing, `points missing from metric ${id}'s chart`).toEqual([]);
    const shown = published.map((p) => values[index.get(p.at) as number]);
    expect(shown).toEqual(published.map((p) => p.values[m]));
  });
});

it("calls setData at most once per chart per animation frame", () => {
  // Sanity: the counter saw the charts draw (one per chart per frame with new points, at least).
  expect(perf.setDataCalls).toBeGreaterThanOrEqual(METRICS);
  expect(perf.maxSetDataPerChartFrame).toBe(1);
  // 2,000 points arrived; batching per frame means charts drew fewer times than points arrived
  // only if several points shared a frame — so bound by frames, not by points.
  expect(perf.setDataCalls).toBeLessThanOrEqual(perf.frames * METRICS + METRICS);
});

it("does not re-render metric cards per point", () => {
  // 2,000 points reached the cards; React may render a card for other reasons (none expected),
  // never once per point.
  expect(perf.metricCardRenders).toBeLessThan(METRICS);
});

it("leaves a chart out of view undrawn while its points arrive, and draws it when it scrolls in", async () => {
  const last = fixture.metricIds.at(-1) as number;
  await page.evaluate(() => window.scrollTo(0, 0));
  const frames = () =>
    page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await frames();
  // The last of 50 cards is far below the fold of the 900 px high window.
  const top = await page.getByTestId(`value-${last}`).evaluate((el) => el.getBoundingClientRect().top);
  expect(top).toBeGreaterThan(2000);
  await page.evaluate(() => window.__pulseboardPerf.reset());
  const count = async () =>
    Number((await page.getByTestId("received-count").textContent())?.replace(/,/g, ""));
  const before = await count();
  const at = Date.now();
  await ingest(server.url, fixture.token, [
    { metric_id: last, value: 4242, timestamp: new Date(at).toISOString() },
  ]);
  await expect.poll(count).toBe(before + 1);
  // The point has arrived, and no chart drew (the one chart it belongs to is out of view).
  await frames();
  expect(await page.evaluate(() => window.__pulseboardPerf.setDataCalls)).toBe(0);
  await page.getByTestId(`value-${last}`).scrollIntoViewIfNeeded();
  await expect
    .poll(() => page.evaluate(() => window.__pulseboardPerf.setDataCalls))
    .toBeGreaterThanOrEqual(1);
  expect((await chartSeries(page, last))?.values.at(-1)).toBe(4242);
});
