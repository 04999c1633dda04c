// Produces docs/screenshots/dashboard-{dark,light}.png (1440×900), dashboard-phone-{dark,light}.png
// (390×844) and login-{dark,light}.png: a real server, a "Production" dashboard with five minutes of
// backfilled history (with a 30 s outage of the temperature feed) and a live feed while the page is
// open, in Chromium, once per theme; and notifications-dark.png, its notifications panel with a webhook's
// delivery log (a local receiver takes the deliveries).   npx tsx apps/web/scripts/screenshots.ts
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { ensureWebBuilt, ingest, login, openBrowser, restSession, startServer } from "../test/e2e.ts";

const OUT = resolve(import.meta.dirname, "../../../docs/screenshots");
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 8000);
const SHOW_RANGE = process.env.SHOW_RANGE; // e.g. "1h" to look at another range while developing

type Spec = {
  name: string;
  type: "gauge" | "counter" | "histogram";
  unit: string;
  description: string;
  at: (t: number, i: number) => number;
};

const noise = (t: number, k: number) =>
  Math.sin(t / 7 + k) * 0.5 + Math.sin(t / 2.3 + 2 * k) * 0.3 + Math.sin(t * 1.7 + k) * 0.2;
const T0 = Date.now() / 1000 - 600;
const SPECS: Spec[] = [
  {
    name: "cpu_percent",
    type: "gauge",
    unit: "%",
    description: "CPU busy",
    at: (t) => 38 + 14 * noise(t, 1),
  },
  {
    name: "memory_percent",
    type: "gauge",
    unit: "%",
    description: "Memory in use",
    at: (t) => 61 + 2 * noise(t / 10, 2),
  },
  {
    name: "network_in_bytes",
    type: "gauge",
    unit: "B/s",
    description: "Bytes received per second",
    at: (t) => 420_000 + 160_000 * noise(t, 3),
  },
  {
    name: "network_out_bytes",
    type: "gauge",
    unit: "B/s",
    description: "Bytes sent per second",
    at: (t) => 250_000 + 90_000 * noise(t, 4),
  },
  {
    name: "requests_total",
    type: "counter",
    unit: "requests",
    description: "HTTP requests served",
    // ~40 requests/s whatever the sampling rate (backfill 1/s, live 4/s)
    at: (t) => 120_000 + Math.round(40 * (t - T0) + 30 * Math.sin(t / 7)),
  },
  {
    name: "latency_ms",
    type: "histogram",
    unit: "ms",
    description: "Request latency",
    at: (t, i) => Math.max(2, 35 + 18 * noise(t * 3 + i, 6) + (i % 17 === 0 ? 90 : 0)),
  },
  {
    name: "temperature",
    type: "gauge",
    unit: "°C",
    description: "Rack inlet temperature",
    at: (t) => 22.3 + 0.8 * noise(t / 4, 7),
  },
];

ensureWebBuilt();
const receiver = http.createServer((req, res) => req.resume().on("end", () => res.end("ok")));
receiver.listen(0, "127.0.0.1");
await once(receiver, "listening");
const server = await startServer({ PULSEBOARD_ALERT_ALLOW_PRIVATE: "1" });
const browser = await openBrowser({ viewport: { width: 1440, height: 900 } });
let feeding = true;
try {
  const { call } = await restSession(server.url);
  const dashboard = await call<{ id: number }>("POST", "/api/v1/dashboards", {
    name: "Production",
    description: "Edge cluster, eu-west",
  });
  const ids: number[] = [];
  for (const s of SPECS) {
    const m = await call<{ id: number }>("POST", `/api/v1/dashboards/${dashboard.id}/metrics`, {
      name: s.name,
      type: s.type,
      unit: s.unit,
      description: s.description,
    });
    ids.push(m.id);
  }
  const [cpu, memory, , , req, latency, temperature] = ids;
  const steps = [
    { value: 0, color: "green" },
    { value: 50, color: "yellow" },
    { value: 80, color: "red" },
  ];
  await call("PUT", `/api/v1/dashboards/${dashboard.id}/layout`, {
    widgets: [
      {
        id: "cpu-stat",
        type: "metric",
        metric_id: cpu,
        chart: "stat",
        title: "CPU now",
        thresholds: steps,
        x: 0,
        y: 0,
        w: 2,
        h: 3,
      },
      {
        id: "mem-gauge",
        type: "metric",
        metric_id: memory,
        chart: "gauge",
        title: "Memory",
        thresholds: steps,
        x: 2,
        y: 0,
        w: 2,
        h: 3,
      },
      {
        id: "requests",
        type: "metric",
        metric_id: req,
        chart: "area",
        title: "Requests",
        x: 4,
        y: 0,
        w: 4,
        h: 5,
      },
      {
        id: "latency",
        type: "metric",
        metric_id: latency,
        title: "Latency percentiles",
        x: 8,
        y: 0,
        w: 4,
        h: 5,
      },
      { id: "system", type: "system", x: 0, y: 3, w: 4, h: 5 },
      {
        id: "temperature",
        type: "metric",
        metric_id: temperature,
        title: "Rack inlet",
        x: 4,
        y: 5,
        w: 4,
        h: 4,
      },
      {
        id: "heat",
        type: "metric",
        metric_id: latency,
        chart: "heatmap",
        title: "Latency heatmap",
        x: 8,
        y: 5,
        w: 4,
        h: 4,
      },
      { id: "table", type: "table", x: 0, y: 8, w: 4, h: 4 },
      { id: "cpu", type: "metric", metric_id: cpu, chart: "bars", x: 4, y: 9, w: 4, h: 3 },
      {
        id: "note",
        type: "text",
        text: "### On call\nEdge cluster **eu-west**. Runbook: [wiki](https://example.org/runbook)\n- page after 5 min of `p99 > 100 ms`",
        x: 8,
        y: 9,
        w: 4,
        h: 3,
      },
      { id: "alerts", type: "alerts", x: 0, y: 12, w: 12, h: 2 },
    ],
  });
  const { token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: "screenshots" });
  // While the page is open the rack warms up, cools down and warms up again (scripted, so the
  // alert history is the same every run); before that it stays below the alert threshold.
  let scriptStart = 0;
  const rack = (ms: number, natural: number) => {
    if (scriptStart === 0) return Math.min(natural, 23.2);
    const e = (ms - scriptStart) / 1000;
    const wobble = 0.12 * Math.sin(ms / 700);
    if (e < 2) return 22.9 + wobble;
    if (e < 8) return 24.1 + wobble;
    if (e < 12) return 22.6 + wobble;
    return 24.3 + wobble;
  };
  const pointsAt = (ms: number, i: number) =>
    SPECS.map((s, k) => ({
      metric_id: ids[k]!,
      value: k === 6 ? rack(ms, s.at(ms / 1000, i)) : s.at(ms / 1000, i),
      timestamp: new Date(ms).toISOString(),
    }));
  // Five minutes of history, one point a second.
  const now = Date.now();
  const backfill = [];
  for (let i = 300; i > 0; i--)
    backfill.push(
      ...pointsAt(now - i * 1000, i).filter((p) => !(p.metric_id === temperature && i > 150 && i <= 180)),
    );
  await ingest(server.url, token, backfill);
  // The rule is created after the backfill: its events are the live ones below. It fires once the
  // breach has held 2 s and resolves only 0.5 °C under the threshold, so it does not flap.
  await call("POST", `/api/v1/dashboards/${dashboard.id}/alert-rules`, {
    metric_id: temperature,
    condition: "above",
    threshold: 23.5,
    duration_s: 2,
    hysteresis: 0.5,
  });
  await call("POST", `/api/v1/dashboards/${dashboard.id}/contact-points`, {
    name: "on-call webhook",
    type: "webhook",
    settings: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pulseboard`, secret: "s" },
  });
  const feed = (async () => {
    let i = 0;
    while (feeding) {
      await ingest(server.url, token, pointsAt(Date.now(), i++)).catch(() => {});
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  const page = await browser.context.newPage();
  await login(page, server.url, `/dashboards/${dashboard.id}`);
  await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor();
  if (SHOW_RANGE) await page.getByRole("button", { name: SHOW_RANGE, exact: true }).click();
  scriptStart = Date.now();
  // Someone acknowledges the first firing alert from the panel; the second one is left open.
  const alerts = page.locator('[data-widget-id="alerts"]');
  await alerts
    .getByRole("button", { name: "Acknowledge temperature alert" })
    .first()
    .click({ timeout: 20_000 });
  await alerts.getByTestId("acknowledged").first().waitFor();
  await alerts.locator(".alert-item.resolved").first().waitFor({ timeout: 20_000 });
  await alerts
    .getByRole("button", { name: "Acknowledge temperature alert" })
    .first()
    .waitFor({ timeout: 20_000 });
  await page.waitForTimeout(Math.max(0, WARMUP_MS - (Date.now() - scriptStart)));
  for (const theme of ["dark", "light"] as const) {
    const current = await page.evaluate(() => document.documentElement.dataset.theme);
    if (current !== theme) await page.getByTestId("theme-toggle").click();
    await page.mouse.move(1, 900); // off the toggle: no hover outline in the picture
    await page.waitForTimeout(1500);
    const path = `${OUT}/dashboard-${theme}${SHOW_RANGE ? `-${SHOW_RANGE}` : ""}.png`;
    // A hovered chart: the tooltip and the crosshair shared by every chart.
    const chart = page.locator('[data-widget-id="temperature"] .u-over');
    const box = await chart.boundingBox();
    if (box) await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5);
    await page.waitForTimeout(300);
    await page.screenshot({ path, fullPage: true });
    console.log(`wrote ${path}`);
    await page.mouse.move(1, 890);
  }
  // The same dashboard on a phone, and the login page, in both themes.
  const phone = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const p = await phone.context.newPage();
    await login(p, server.url, `/dashboards/${dashboard.id}`);
    await p.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor();
    for (const theme of ["dark", "light"] as const) {
      const current = await p.evaluate(() => document.documentElement.dataset.theme);
      if (current !== theme) await p.getByTestId("theme-toggle").click();
      await p.waitForTimeout(1500);
      const path = `${OUT}/dashboard-phone-${theme}.png`;
      await p.screenshot({ path });
      console.log(`wrote ${path}`);
    }
    for (const theme of ["dark", "light"] as const) {
      await p.evaluate((t) => localStorage.setItem("pulseboard.theme", t), theme);
      await p.context().clearCookies();
      await p.goto(`${server.url}/login`);
      await p.getByLabel("Username").waitFor();
      const path = `${OUT}/login-${theme}.png`;
      await p.screenshot({ path });
      console.log(`wrote ${path}`);
    }
  } finally {
    await phone.close();
  }
  await page.getByTestId("theme-toggle").click(); // back to dark
  await page.getByRole("button", { name: "Notifications" }).click();
  const panel = page.getByTestId("notifications-panel");
  await panel.getByRole("button", { name: "Delivery log" }).click();
  await panel.locator(".delivery-log li.ok").first().waitFor();
  await page.waitForTimeout(500);
  const path = `${OUT}/notifications-dark.png`;
  await panel.screenshot({ path });
  console.log(`wrote ${path}`);
  feeding = false;
  await feed;
} finally {
  feeding = false;
  await browser.close();
  await server.destroy();
  receiver.close();
}
