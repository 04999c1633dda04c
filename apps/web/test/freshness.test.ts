// Freshness where the user sees it, in Chromium against the real server: the page measures how
// long after the server's commit it drew each live point, shows the p50/p99 in its status bar,
// reports them to the server (GET /dashboards/:id/freshness and /metrics show them), and a panel
// whose data stopped arriving says it is late.
import type { ChromiumHandle } from "@pulseboard/test-support";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createFixture,
  ensureWebBuilt,
  type Fixture,
  ingest,
  restSession,
  type ServerProcess,
  signedInBrowser,
  startServer,
  untilLive,
} from "./e2e.ts";

let server: ServerProcess;
let browser: ChromiumHandle;
let fixture: Fixture;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer();
  browser = await signedInBrowser(server.url);
  fixture = await createFixture(server.url, "Freshness", 2);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

it("measures commit → render lag of live points, shows it and reports it to the server", async () => {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.url}/dashboards/${fixture.dashboardId}?freshness_ms=1000`);
    await untilLive(page);
    const [metric] = fixture.metricIds as [number];
    for (let i = 0; i < 5; i++)
      await ingest(server.url, fixture.token, [
        { metric_id: metric, value: i, timestamp: new Date().toISOString() },
      ]);
    const lag = page.getByTestId("render-lag");
    await lag.filter({ hasText: /render lag p50 \d+ ms · p99 \d+ ms/ }).waitFor({ timeout: 10_000 });
    const { call } = await restSession(server.url);
    await expect
      .poll(
        async () =>
          call<{ p50_ms: number; p99_ms: number; samples: number }>(
            "GET",
            `/api/v1/dashboards/${fixture.dashboardId}/freshness`,
          ).catch(() => null),
        { timeout: 10_000 },
      )
      .toMatchObject({ samples: expect.any(Number) });
    const report = await call<{ p50_ms: number; p99_ms: number; samples: number }>(
      "GET",
      `/api/v1/dashboards/${fixture.dashboardId}/freshness`,
    );
    expect(report.samples).toBeGreaterThanOrEqual(1);
    expect(report.p99_ms).toBeGreaterThanOrEqual(report.p50_ms);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(
      `pulseboard_client_render_lag_ms{dashboard_id="${fixture.dashboardId}",quantile="0.99"}`,
    );
  } finally {
    await page.close();
  }
});

it("marks a panel late when its data stopped arriving, and clears it when data comes", async () => {
  const [, metric] = fixture.metricIds as [number, number];
  const end = Date.now() - 30_000;
  // one point a second for a minute, then nothing for 30 s
  await ingest(
    server.url,
    fixture.token,
    Array.from({ length: 60 }, (_, i) => ({
      metric_id: metric,
      value: i,
      timestamp: new Date(end - (59 - i) * 1000).toISOString(),
    })),
  );
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.url}/dashboards/${fixture.dashboardId}`);
    await untilLive(page);
    const badge = page.getByTestId(`stale-${metric}`);
    await badge.filter({ hasText: /late · \d+ s/ }).waitFor({ timeout: 10_000 });
    await ingest(server.url, fixture.token, [
      { metric_id: metric, value: 1, timestamp: new Date().toISOString() },
    ]);
    await badge.waitFor({ state: "hidden", timeout: 10_000 });
  } finally {
    await page.close();
  }
});
