// Reading a chart in Chromium against the real server, as a person does: the tooltip at a hovered
// point, the crosshair shared by the dashboard's charts, drag to zoom (and back) with the range in
// the URL, quick ranges and the 24-hour picker, a break where the data stopped, a counter's rate
// across a reset, percentiles of a known distribution, and each chart asking for its pixel width.
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
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
  token = (await call<{ token: string }>("POST", "/api/v1/tokens", { name: "reading" })).token;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

type MetricSpec = { name: string; type?: "gauge" | "counter" | "histogram"; unit?: string };

/** A dashboard with these metrics (each drawn as a card of the default layout). */
async function dashboardWith(name: string, metrics: MetricSpec[]) {
  const { call } = await restSession(server.url);
  const d = await call<{ id: number }>("POST", "/api/v1/dashboards", { name });
  const ids: number[] = [];
  for (const m of metrics) {
    const created = await call<{ id: number }>("POST", `/api/v1/dashboards/${d.id}/metrics`, {
      name: m.name,
      type: m.type ?? "gauge",
      unit: m.unit ?? "ms",
    });
    ids.push(created.id);
  }
  return { id: d.id, ids, call };
}

/** Points at the given offsets (seconds before `base`) with the given values. */
function points(metricId: number, base: number, offsets: number[], values: number[]) {
  return offsets.map((s, i) => ({
    metric_id: metricId,
    value: values[i] as number,
    timestamp: new Date(base - s * 1000).toISOString(),
  }));
}

/** Page coordinates of the point (ms, value) on the chart of this metric. */
function pointOnChart(page: Page, metricId: number, ms: number, value: number) {
  return page.evaluate(
    ([id, t, v]) => {
      const u = window.__pulseboardPlot(id);
      if (!u) throw new Error(`no chart for metric ${id}`);
      const r = u.over.getBoundingClientRect();
      return { x: r.left + u.valToPos(t / 1000, "x"), y: r.top + u.valToPos(v, "y") };
    },
    [metricId, ms, value] as const,
  );
}

async function untilChartHas(page: Page, metricId: number, n: number) {
  await page.waitForFunction(
    // the store holds them and the plot has drawn them (it redraws on its own schedule)
    ([id, count]) =>
      (window.__pulseboardSeries(id)?.timestamps.length ?? 0) >= count &&
      (window.__pulseboardPlot(id)?.data[0]?.length ?? 0) >= count,
    [metricId, n] as const,
    { timeout: 10_000 },
  );
}

const clock = (page: Page, ms: number) =>
  page.evaluate(
    (t) =>
      new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
      }).format(t),
    ms,
  );

describe("reading a chart", () => {
  it("shows the exact value, series and 24-hour time of the hovered point", async () => {
    const { id, ids } = await dashboardWith("Tooltip", [{ name: "latency" }]);
    const [metric] = ids as [number];
    const base = Date.now() - 30_000;
    await ingest(server.url, token, points(metric, base, [90, 60, 30], [11, 22.25, 33]));
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await untilChartHas(page, metric, 3);
      const at = base - 60_000;
      const { x, y } = await pointOnChart(page, metric, at, 22.25);
      await page.mouse.move(x, y);
      const tip = page.getByTestId("chart-tooltip").filter({ visible: true });
      await tip.waitFor();
      const text = await tip.textContent();
      expect(text).toContain("latency 22.25 ms");
      expect(text).toContain(await clock(page, at));
    } finally {
      await page.close();
    }
  });

  it("moves the crosshair of every chart of the dashboard to the hovered time", async () => {
    const { id, ids } = await dashboardWith("Crosshair", [{ name: "a" }, { name: "b" }]);
    const [a, b] = ids as [number, number];
    const base = Date.now() - 10_000;
    await ingest(server.url, token, [
      ...points(a, base, [200, 100, 10], [1, 2, 3]),
      ...points(b, base, [200, 100, 10], [5, 6, 7]),
    ]);
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await untilChartHas(page, a, 3);
      await untilChartHas(page, b, 3);
      // The grid settles (a scrollbar may narrow the charts) before positions are read.
      await settled(page, () => page.evaluate((id2) => window.__pulseboardPlot(id2)?.bbox.width, a));
      const at = base - 100_000;
      // The other chart's crosshair line stands at the same moment (within 2 s of a 5-minute
      // window that keeps sliding): hovered again until it does, as the window moves between reads.
      await expect
        .poll(
          async () => {
            const { x, y } = await pointOnChart(page, a, at, 2);
            await page.mouse.move(x, y);
            await page.waitForTimeout(100);
            return page.evaluate(
              ([id2, t]) => {
                const u = window.__pulseboardPlot(id2);
                const left = u?.cursor.left ?? -1;
                return left >= 0 && u ? Math.abs(u.posToVal(left, "x") * 1000 - t) : Number.POSITIVE_INFINITY;
              },
              [b, at] as const,
            );
          },
          { timeout: 10_000 },
        )
        .toBeLessThan(2000);
      const line = page.locator(`[data-widget-id="m${b}"] .u-cursor-x`);
      await expect(line.isVisible()).resolves.toBe(true);
    } finally {
      await page.close();
    }
  });

  it("zooms to a dragged span, writes it in the URL, and goes back", async () => {
    const { id, ids } = await dashboardWith("Zoom", [{ name: "z" }]);
    const [metric] = ids as [number];
    const base = Date.now() - 5000;
    await ingest(server.url, token, points(metric, base, [240, 180, 120, 60, 1], [1, 2, 3, 4, 5]));
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await untilChartHas(page, metric, 5);
      expect(new URL(page.url()).searchParams.get("from")).toBe("now-5m");
      await settled(page, () => page.evaluate((mid) => window.__pulseboardPlot(mid)?.bbox.width, metric));
      const from = base - 200_000;
      const to = base - 100_000;
      const p1 = await pointOnChart(page, metric, from, 3);
      const p2 = await pointOnChart(page, metric, to, 3);
      await page.mouse.move(p1.x, p1.y);
      await page.waitForTimeout(100);
      await page.mouse.down();
      await page.mouse.move((p1.x + p2.x) / 2, p1.y, { steps: 4 });
      await page.mouse.move(p2.x, p1.y, { steps: 4 });
      // uPlot applies a move at the next frame; a person's release comes later than that too
      await page.waitForTimeout(100);
      await page.mouse.up();
      await page.waitForURL((u) => !u.searchParams.get("from")?.startsWith("now"));
      const url = new URL(page.url());
      const zFrom = Date.parse(url.searchParams.get("from") ?? "");
      const zTo = Date.parse(url.searchParams.get("to") ?? "");
      // a pixel of a 5-minute chart is under a second; the live window slides while the mouse
      // moves, so allow a few (the points are 20 s inside the span either way)
      expect(Math.abs(zFrom - from)).toBeLessThan(5000);
      expect(Math.abs(zTo - to)).toBeLessThan(5000);
      // the zoomed chart shows the points inside the span only (120 s and 180 s before base)
      await page.waitForFunction(
        (mid) => JSON.stringify(window.__pulseboardSeries(mid)?.values) === "[2,3]",
        metric,
        { timeout: 10_000 },
      );
      // a reload shows the same span
      await page.reload();
      await page.waitForFunction(
        (mid) => JSON.stringify(window.__pulseboardSeries(mid)?.values) === "[2,3]",
        metric,
        { timeout: 10_000 },
      );
      expect(Date.parse(new URL(page.url()).searchParams.get("to") ?? "")).toBe(zTo);
      // the browser's Back undoes the zoom (the zoom was pushed as a history entry)
      await page.goBack();
      await page.waitForURL((u) => u.searchParams.get("from") === "now-5m");
      await untilChartHas(page, metric, 5);
      // and the Back button after a fresh zoom does the same
      const q1 = await pointOnChart(page, metric, from, 3);
      const q2 = await pointOnChart(page, metric, to, 3);
      await page.mouse.move(q1.x, q1.y);
      await page.waitForTimeout(100);
      await page.mouse.down();
      await page.mouse.move(q2.x, q1.y, { steps: 6 });
      await page.waitForTimeout(100);
      await page.mouse.up();
      await page.waitForURL((u) => !u.searchParams.get("from")?.startsWith("now"));
      await page.getByTestId("zoom-back").click();
      await page.waitForURL((u) => u.searchParams.get("from") === "now-5m");
    } finally {
      await page.close();
    }
  });

  it("offers quick ranges up to 30 days, keeps the choice in the URL, and reads 24-hour times", async () => {
    const { id, ids } = await dashboardWith("Ranges", [{ name: "r" }]);
    const [metric] = ids as [number];
    const page = await openLiveDashboard(browser, server.url, id);
    page.setDefaultTimeout(5000);
    try {
      const range = page.getByRole("group", { name: "Time range" });
      for (const label of ["5m", "15m", "1h", "6h", "24h", "7d", "30d"])
        await range.getByRole("button", { name: label, exact: true }).waitFor();
      await range.getByRole("button", { name: "6h", exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get("from") === "now-6h", { timeout: 3000 });
      await page.reload();
      await expect(
        range.getByRole("button", { name: "6h", exact: true }).getAttribute("aria-pressed"),
      ).resolves.toBe("true");
      // An absolute span typed as 24-hour ISO local time.
      const start = Date.now() - 2 * 3600_000;
      await ingest(server.url, token, points(metric, start, [0, -60, -120], [7, 8, 9]));
      await range.getByRole("button", { name: "Custom" }).click();
      const local = (ms: number) =>
        page.evaluate((t) => {
          const d = new Date(t);
          const p = (n: number) => String(n).padStart(2, "0");
          return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
        }, ms);
      await page.getByLabel("From", { exact: true }).fill(await local(start - 30_000));
      await page.getByLabel("To", { exact: true }).fill(await local(start + 150_000));
      await page.getByRole("button", { name: "Show" }).click();
      await page.waitForURL(
        (u) => Date.parse(u.searchParams.get("from") ?? "") === Math.floor((start - 30_000) / 1000) * 1000,
        { timeout: 3000 },
      );
      await page.waitForFunction(
        (mid) => JSON.stringify(window.__pulseboardSeries(mid)?.values) === "[7,8,9]",
        metric,
        { timeout: 10_000 },
      );
      await range.getByRole("button", { name: /→/ }).click();
      await page.getByLabel("From", { exact: true }).fill("2026-12-01 2:05 PM");
      await page.getByRole("button", { name: "Show" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "24-hour" }).count()).resolves.toBe(1);
    } finally {
      await page.close();
    }
  });

  it("asks the server for as many buckets as the chart is pixels wide", async () => {
    const { id, ids } = await dashboardWith("Width", [{ name: "w" }]);
    const [metric] = ids as [number];
    const page = await browser.context.newPage();
    try {
      const asked: number[] = [];
      page.on("request", (r) => {
        const u = new URL(r.url());
        if (u.pathname === `/api/v1/metrics/${metric}/values`)
          asked.push(Number(u.searchParams.get("points")));
      });
      await page.goto(`${server.url}/dashboards/${id}?from=now-30d&to=now`);
      await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor();
      await page.waitForFunction((mid) => window.__pulseboardPlot(mid) !== null, metric);
      // The first request may go out before the grid settled; a chart that changed width asks again.
      const width = await settled(page, () =>
        page.evaluate((mid) => window.__pulseboardPlot(mid)?.width ?? 0, metric),
      );
      expect(width).toBeGreaterThan(100);
      await expect.poll(() => asked.at(-1), { timeout: 5000 }).toBe(width);
    } finally {
      await page.close();
    }
  });
});

describe("honest data", () => {
  /** Pixels of the series colour in a column of the plot at time `ms`. */
  function strokePixelsAt(page: Page, metricId: number, ms: number) {
    return page.evaluate(
      ([id, t]) => {
        const u = window.__pulseboardPlot(id);
        if (!u) throw new Error("no chart");
        const color = getComputedStyle(document.documentElement).getPropertyValue("--series-1").trim();
        const n = Number.parseInt(color.slice(1), 16);
        const [r0, g0, b0] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
        const x = Math.round(u.valToPos(t / 1000, "x", true));
        const { top, height } = u.bbox;
        const data = u.ctx.getImageData(x - 1, top, 3, height).data;
        let hits = 0;
        for (let i = 0; i < data.length; i += 4) {
          const d =
            Math.abs((data[i] as number) - r0) +
            Math.abs((data[i + 1] as number) - g0) +
            Math.abs((data[i + 2] as number) - b0);
          if ((data[i + 3] as number) > 128 && d < 90) hits++;
        }
        return hits;
      },
      [metricId, ms] as const,
    );
  }

  it("draws an outage as a break in the line, not a straight bridge", async () => {
    const { id, ids } = await dashboardWith("Outage", [{ name: "feed" }]);
    const [metric] = ids as [number];
    const base = Date.now() - 20_000;
    // one point every 2 s, then nothing for 100 s, then one every 2 s again
    const before = Array.from({ length: 40 }, (_, i) => 260 - i * 2); // 260 … 182 s ago
    const after = Array.from({ length: 40 }, (_, i) => 80 - i * 2); // 80 … 2 s ago
    const offsets = [...before, ...after];
    await ingest(
      server.url,
      token,
      points(
        metric,
        base,
        offsets,
        offsets.map(() => 50),
      ),
    );
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await untilChartHas(page, metric, offsets.length);
      await expect.poll(() => strokePixelsAt(page, metric, base - 220_000)).toBeGreaterThan(0);
      await expect.poll(() => strokePixelsAt(page, metric, base - 40_000)).toBeGreaterThan(0);
      expect(await strokePixelsAt(page, metric, base - 130_000)).toBe(0);
    } finally {
      await page.close();
    }
  });

  it("draws a counter as its per-second rate, and a reset as a restart from zero", async () => {
    const { id, ids } = await dashboardWith("Counter", [
      { name: "served", type: "counter", unit: "requests" },
    ]);
    const [metric] = ids as [number];
    const base = Date.now() - 10_000;
    // totals 10 s apart; the process restarted between the third and the fourth
    await ingest(server.url, token, points(metric, base, [40, 30, 20, 10, 0], [100, 200, 300, 50, 150]));
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await page.waitForFunction(
        (mid) => JSON.stringify(window.__pulseboardSeries(mid)?.values) === "[10,10,5,10]",
        metric,
        { timeout: 10_000 },
      );
      const at = base - 10_000;
      const { x, y } = await pointOnChart(page, metric, at, 5);
      await page.mouse.move(x, y);
      await expect(
        page.getByTestId("chart-tooltip").filter({ visible: true }).textContent(),
      ).resolves.toContain("served 5 requests/s");
      await expect(page.getByTestId(`value-${metric}`).textContent()).resolves.toBe("10 requests/s");
      // the raw total is one choice away, and is saved with the layout
      await page.getByTestId("edit-toggle").click();
      await page.getByLabel("Counter display for served").selectOption("total");
      await page.waitForFunction(
        (mid) => JSON.stringify(window.__pulseboardSeries(mid)?.values) === "[100,200,300,50,150]",
        metric,
        { timeout: 10_000 },
      );
    } finally {
      await page.close();
    }
  });

  it("reads a histogram as p50/p95/p99 of its observations", async () => {
    const { id, ids } = await dashboardWith("Histogram", [{ name: "latency", type: "histogram" }]);
    const [metric] = ids as [number];
    const base = Date.now() - 5000;
    // 0 … 1000 ms, one observation every 0.2 s, in shuffled order of value
    const values = Array.from({ length: 1001 }, (_, i) => (i * 389) % 1001);
    await ingest(
      server.url,
      token,
      values.map((v, i) => ({
        metric_id: metric,
        value: v,
        timestamp: new Date(base - i * 200).toISOString(),
      })),
    );
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await page
        .getByTestId(`value-${metric}`)
        .filter({ hasText: "p50 500 ms · p95 950 ms · p99 990 ms" })
        .waitFor({ timeout: 10_000 });
      // the chart is the three percentiles over time
      const labels = await page.evaluate(
        (mid) =>
          window
            .__pulseboardPlot(mid)
            ?.series.slice(1)
            .map((s) => s.label),
        metric,
      );
      expect(labels).toEqual(["p50", "p95", "p99"]);
    } finally {
      await page.close();
    }
  });

  it("starts bars at zero", async () => {
    const { id, ids, call } = await dashboardWith("Bars", [{ name: "load" }]);
    const [metric] = ids as [number];
    await call("PUT", `/api/v1/dashboards/${id}/layout`, {
      widgets: [{ id: "b", type: "metric", metric_id: metric, chart: "bars", x: 0, y: 0, w: 6, h: 4 }],
    });
    const base = Date.now() - 5000;
    await ingest(server.url, token, points(metric, base, [30, 20, 10], [900, 950, 1000]));
    const page = await openLiveDashboard(browser, server.url, id);
    try {
      await untilChartHas(page, metric, 3);
      const min = await page.evaluate((mid) => window.__pulseboardPlot(mid)?.scales.y?.min, metric);
      expect(min).toBe(0);
    } finally {
      await page.close();
    }
  });
});
