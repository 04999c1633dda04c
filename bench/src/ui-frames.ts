// UI frame benchmark: how smoothly the dashboard page draws while live points stream in. Starts
// the real server (apps/server, SQLite) and headless Chromium itself, opens one dashboard per
// scenario and reads the page's frame monitor (window.__pulseboardPerf) after a measured window:
//   idle      50 metric charts, no updates
//   baseline  1 metric chart,   10 updates/s
//   load      50 metric charts, 10 updates/s each (the design goal)
// Absolute frame times depend on the machine (software rendering, shared cores), so each scenario
// is also reported as a ratio to the baseline measured in the same run.
//   npx tsx bench/src/ui-frames.ts            (SECONDS=20 by default)
import type { Page } from "playwright-core";
import {
  createFixture,
  ensureWebBuilt,
  type Fixture,
  ingest,
  loginToDashboard,
  openBrowser,
  startServer,
} from "../../apps/web/test/e2e.ts";

const SECONDS = Number(process.env.SECONDS ?? 20);
const RATE_HZ = 10;

type Scenario = { name: string; metrics: number; rateHz: number };
const SCENARIOS: Scenario[] = [
  { name: "idle", metrics: 50, rateHz: 0 },
  { name: "baseline", metrics: 1, rateHz: RATE_HZ },
  { name: "load", metrics: 50, rateHz: RATE_HZ },
];

type Result = {
  scenario: Scenario;
  frames: number;
  longFrames: number;
  p50: number;
  p99: number;
  worst: number;
  setDataCalls: number;
  points: number;
  cardRenders: number;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

async function publish(url: string, fixture: Fixture, rateHz: number, seconds: number): Promise<number> {
  if (rateHz === 0) {
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return 0;
  }
  const started = Date.now();
  const calls: Promise<void>[] = [];
  const ticks = seconds * rateHz;
  for (let tick = 0; tick < ticks; tick++) {
    const at = started + tick * (1000 / rateHz);
    const wait = at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    calls.push(
      ingest(
        url,
        fixture.token,
        fixture.metricIds.map((id, i) => ({
          metric_id: id,
          value: Math.sin(tick / 5 + i) * 50 + 50,
          timestamp: new Date(at).toISOString(),
        })),
      ),
    );
  }
  await Promise.all(calls);
  return ticks * fixture.metricIds.length;
}

async function measure(page: Page, url: string, scenario: Scenario): Promise<Result> {
  const fixture = await createFixture(url, `UI frames ${scenario.name}`, scenario.metrics);
  await loginToDashboard(page, url, fixture.dashboardId);
  await page.waitForFunction((n) => window.__pulseboardCharts() >= n, scenario.metrics);
  await page.waitForTimeout(2000);
  await page.evaluate(() => window.__pulseboardPerf.reset());
  const points = await publish(url, fixture, scenario.rateHz, SECONDS);
  const perf = await page.evaluate(() => {
    const p = window.__pulseboardPerf;
    return {
      frames: p.frames,
      longFrames: p.longFrames,
      worst: p.worstFrameMs,
      setDataCalls: p.setDataCalls,
      cardRenders: p.metricCardRenders,
      intervals: p.intervals(),
    };
  });
  const sorted = perf.intervals.sort((a, b) => a - b);
  // Log out so the next scenario starts from a fresh page and session.
  await page.context().clearCookies();
  return {
    scenario,
    frames: perf.frames,
    longFrames: perf.longFrames,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    worst: perf.worst,
    setDataCalls: perf.setDataCalls,
    points,
    cardRenders: perf.cardRenders,
  };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "–");
const ratio = (v: number, base: number) =>
  base > 0 && Number.isFinite(v) ? `${(v / base).toFixed(2)}×` : "–";

function report(results: Result[]): string {
  const base = results.find((r) => r.scenario.name === "baseline");
  const lines = [
    `UI frames: ${SECONDS} s per scenario, headless Chromium (software rendering), real server (SQLite).`,
    "",
    "| scenario | charts × updates/s | points | frames | fps | long frames (>50 ms) | p50 frame ms | p99 frame ms | worst ms | setData calls | card renders | fps vs baseline | p99 vs baseline |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const fps = r.frames / SECONDS;
    lines.push(
      `| ${r.scenario.name} | ${r.scenario.metrics} × ${r.scenario.rateHz} | ${r.points} | ${r.frames} | ${fps.toFixed(1)} | ${r.longFrames} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.worst)} | ${r.setDataCalls} | ${r.cardRenders} | ${base ? ratio(fps, base.frames / SECONDS) : "–"} | ${base ? ratio(r.p99, base.p99) : "–"} |`,
    );
  }
  return lines.join("\n");
}

ensureWebBuilt();
const server = await startServer();
const browser = await openBrowser({ viewport: { width: 1440, height: 900 } });
try {
  const results: Result[] = [];
  for (const scenario of SCENARIOS) {
    const page = await browser.context.newPage();
    try {
      results.push(await measure(page, server.url, scenario));
    } finally {
      await page.close();
    }
    process.stderr.write(`measured ${scenario.name}\n`);
  }
  console.log(report(results));
} finally {
  await browser.close();
  await server.destroy();
}
