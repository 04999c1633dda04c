// A server restart under an open dashboard: the page reconnects by itself and the chart ends up
// with every stored point, including those published while it was reconnecting (no gap). And a
// reload: the charts are drawn at once from what the page kept in IndexedDB, and resume from their
// position, so points committed while no page was open (the server restarted meanwhile) arrive
// even past the 100 points of history a new connection gets.
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SavedDashboard } from "../src/live/persist.ts";
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

/** The view this origin's pages kept for a dashboard in IndexedDB (null: none yet). */
function savedView(page: Page, dashboardId: number) {
  return page.evaluate(
    (id) =>
      new Promise<{ offset: number; points: Record<number, number[]> } | null>((resolve, reject) => {
        const open = indexedDB.open("pulseboard");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("dashboards")) return resolve(null);
          const get = db.transaction("dashboards").objectStore("dashboards").get(id);
          get.onsuccess = () => {
            const v = get.result as SavedDashboard | undefined;
            if (!v) return resolve(null);
            const points: Record<number, number[]> = {};
            for (const s of v.series) points[s.metricId] = Array.from(s.t, (x) => Math.round(x * 1000));
            resolve({ offset: v.position.offset, points });
          };
          get.onerror = () => reject(get.error);
        };
      }),
    dashboardId,
  );
}

async function chartHas(page: Page, metricId: number, timestamps: number[], timeout = 15_000) {
  await page.waitForFunction(
    ([id, wanted]) => {
      const shown = new Set(window.__pulseboardSeries(id)?.timestamps ?? []);
      return wanted.every((t) => shown.has(t));
    },
    [metricId, timestamps] as const,
    { timeout },
  );
}

it("charts survive a reload: drawn at once from IndexedDB, then resumed from their position", async () => {
  const own = await createFixture(server.url, "Reload spec", 1);
  const [metric] = own.metricIds as [number];
  const start = Date.now() - 60_000;
  const stamps = (from: number, n: number) => Array.from({ length: n }, (_, i) => start + (from + i) * 100);
  const publish = (ts: number[]) =>
    ingest(
      server.url,
      own.token,
      ts.map((t) => ({ metric_id: metric, value: t % 997, timestamp: new Date(t).toISOString() })),
    );
  const first = stamps(0, 20);
  // signed in by the spec above (the session cookie is in the browser's context)
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/dashboards/${own.dashboardId}`);
  await untilLive(page);
  await publish(first);
  await chartHas(page, metric, first);
  await expect
    .poll(async () => (await savedView(page, own.dashboardId))?.points[metric]?.length ?? 0, {
      timeout: 10_000,
    })
    .toBeGreaterThanOrEqual(first.length);
  await page.close();

  // Offline: no WebSocket reaches the server and the REST history never answers. What is drawn
  // comes from IndexedDB alone.
  const offline = await browser.context.newPage();
  await offline.routeWebSocket(/\/ws\/dashboard\//, () => {});
  await offline.route(/\/api\/v1\/metrics\/\d+\/values/, () => {});
  await offline.goto(`${server.url}/dashboards/${own.dashboardId}`);
  await chartHas(offline, metric, first, 10_000);
  await offline.close();

  // The server restarts with no page open; meanwhile 150 points more than a connection's history
  // shows, and 10 stamped before everything drawn, are committed.
  await server.stop();
  await server.start();
  const later = stamps(20, 150);
  const backDated = Array.from({ length: 10 }, (_, i) => start - 10_000 + i * 100);
  await publish(later);
  await publish(backDated);
  // The REST history still never answers: only the position the view was kept at can fill this in.
  const back = await browser.context.newPage();
  await back.route(/\/api\/v1\/metrics\/\d+\/values/, () => {});
  await back.goto(`${server.url}/dashboards/${own.dashboardId}`);
  await untilLive(back, { timeout: 20_000 });
  await chartHas(back, metric, [...first, ...later, ...backDated]);
  const ts = (await chartSeries(back, metric))!.timestamps;
  for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
  await back.close();
}, 120_000);
