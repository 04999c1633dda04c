// `npx tsx bench/src/alerts.ts`: alert evaluation and notification latency through the real
// server process (apps/server/src/main.ts, SQLite). 100 metrics × 10 rules = 1,000 rules; ingest
// posts 1,000 points every 100 ms (10,000 points/s); every 250 ms one metric jumps above all its
// thresholds for one batch (a breach: 10 firing transitions, then 10 resolves). A webhook receiver
// (HTTP) and an SMTP server (smtp-server) run here and timestamp what they receive.
//
// Two phases of PHASE_S seconds in one run, same load: A without rules (the baseline), B with the
// 1,000 rules, a webhook for every rule and an email for the first rule of each metric. Reports
// ingest→webhook-received and ingest→email-accepted latency (from the POST that carried the
// breaching point), the server's CPU per point in A and B (/proc/<pid>/stat), and the fan-out
// ingest→client p50/p99 of a few WebSocket clients in A and B.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SMTPServer } from "smtp-server";
import WebSocket from "ws";
import { cpuMicros } from "./children.ts";

const PHASE_S = Number(process.env.PHASE_S ?? 20);
const METRICS = 100;
const RULES_PER_METRIC = 10;
const BATCH_EVERY_MS = 100;
const POINTS_PER_METRIC_PER_BATCH = 10;
const BREACH_EVERY_MS = 250;
const CLIENTS = 5;
const REPO = resolve(import.meta.dirname, "../..");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

// ---- receivers --------------------------------------------------------------------------------
/** breach id (value − 1000) → time its POST was sent */
const breachSent = new Map<number, number>();
const webhookLatency: number[] = [];
const emailLatency: number[] = [];
const seenWebhook = new Set<number>();
const seenEmail = new Set<number>();
let webhookRequests = 0;
let emails = 0;

const hook = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const now = Date.now();
    webhookRequests++;
    res.end("ok");
    const alerts = (JSON.parse(body) as { alerts: { state: string; value: number }[] }).alerts;
    for (const a of alerts) {
      const k = Math.round(a.value) - 1000;
      const sent = breachSent.get(k);
      if (a.state !== "firing" || sent === undefined || seenWebhook.has(k)) continue;
      seenWebhook.add(k);
      webhookLatency.push(now - sent);
    }
  });
});
hook.listen(0, "127.0.0.1");
await once(hook, "listening");
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, _session, callback) {
    let raw = "";
    stream.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    stream.on("end", () => {
      const now = Date.now();
      emails++;
      // one line per alert (a message may carry several grouped transitions)
      for (const m of raw.matchAll(/FIRING\] \S+ is above \d+ \(value (\d+)\)/g)) {
        const k = Number(m[1]) - 1000;
        const sent = breachSent.get(k);
        if (sent === undefined || seenEmail.has(k)) continue;
        seenEmail.add(k);
        emailLatency.push(now - sent);
      }
      callback();
    });
  },
});
smtp.listen(0, "127.0.0.1");
await once(smtp.server, "listening");
const smtpPort = (smtp.server.address() as AddressInfo).port;

// ---- the server -------------------------------------------------------------------------------
const DEMO_PASSWORD = "alert-bench-demo-password";
const dataDir = mkdtempSync(join(tmpdir(), "pb-bench-alerts-"));
const port = await freePort();
const prof = process.env.CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.CPU_PROF}`] : [];
const server: ChildProcess = spawn(
  process.execPath,
  [...prof, "--import", "tsx", "apps/server/src/main.ts"],
  {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "error",
      PULSEBOARD_DATA_DIR: dataDir,
      PULSEBOARD_DEMO: "1",
      // The demo user's password is random unless given (issue 15): the bench signs in as it.
      PULSEBOARD_DEMO_PASSWORD: DEMO_PASSWORD,
      PULSEBOARD_SYNTHETIC: "0",
      PULSEBOARD_SYSTEM: "0",
      PULSEBOARD_ALERT_ALLOW_PRIVATE: "1",
      PULSEBOARD_SMTP_URL: `smtp://127.0.0.1:${smtpPort}?tls=off`,
    },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
let out = "";
server.stdout?.on("data", (d) => (out += d));
while (!out.includes("Pulseboard is running")) {
  if (server.exitCode !== null) throw new Error(`server exited:\n${out}`);
  await sleep(100);
}
const base = `http://127.0.0.1:${port}`;
const pid = server.pid as number;

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ username: "demo", password: DEMO_PASSWORD }),
});
if (!login.ok) throw new Error(`login as demo → ${login.status} ${await login.text()}`);
const { csrfToken } = (await login.json()) as { csrfToken: string };
const cookie = /pb_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1] as string;
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(base + path, {
    method,
    headers: {
      cookie: `pb_session=${cookie}`,
      "x-csrf-token": csrfToken,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
const { token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: "bench" });
const dash = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "Alert bench" });
const metrics: number[] = [];
for (let i = 0; i < METRICS; i++)
  metrics.push(
    (
      await call<{ id: number }>("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
        name: `m${i}`,
        type: "gauge",
      })
    ).id,
  );

// ---- fan-out clients --------------------------------------------------------------------------
let fanout: number[] = [];
const sockets: WebSocket[] = [];
for (let c = 0; c < CLIENTS; c++) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/dashboard/${dash.id}/`, {
    headers: { cookie: `pb_session=${cookie}`, origin: base },
  });
  await once(ws, "open");
  ws.on("message", (data) => {
    const frame = JSON.parse(String(data)) as {
      action: string;
      payload: { metric_id: number; timestamp: string };
    };
    if (frame.action === "metric_update" && frame.payload.metric_id === metrics[0])
      fanout.push(Date.now() - Date.parse(frame.payload.timestamp));
  });
  // one metric each: the fan-out measured is what one chart sees
  ws.send(JSON.stringify({ action: "unsubscribe", payload: metrics.slice(1) }));
  sockets.push(ws);
}

// ---- load ---------------------------------------------------------------------------------------
let breaches = 0;
let nextBreachAt = 0;
let points = 0;
async function batch(breaching: boolean) {
  const now = Date.now();
  const k = breaching ? ++breaches : 0;
  const hot = breaching ? metrics[k % METRICS] : undefined;
  const body = {
    points: metrics.flatMap((metric_id) =>
      Array.from({ length: POINTS_PER_METRIC_PER_BATCH }, (_, j) => ({
        metric_id,
        // the breaching point is the batch's last point of its metric, so the batch ends breached
        value: metric_id === hot && j === POINTS_PER_METRIC_PER_BATCH - 1 ? 1000 + k : 50 + (j % 5),
        timestamp: new Date(now - (POINTS_PER_METRIC_PER_BATCH - 1 - j)).toISOString(),
      })),
    ),
  };
  if (breaching) breachSent.set(k, now);
  const r = await fetch(`${base}/api/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (r.status !== 200) throw new Error(`ingest → ${r.status} ${await r.text()}`);
  await r.text();
  points += body.points.length;
}

async function phase(name: string, inject: boolean) {
  fanout = [];
  points = 0;
  const cpu0 = cpuMicros(pid);
  const end = Date.now() + PHASE_S * 1000;
  let next = Date.now();
  while (Date.now() < end) {
    const breaching = inject && Date.now() >= nextBreachAt;
    if (breaching) nextBreachAt = Date.now() + BREACH_EVERY_MS;
    await batch(breaching);
    next += BATCH_EVERY_MS;
    await sleep(Math.max(0, next - Date.now()));
  }
  const cpu = cpuMicros(pid) - cpu0;
  const result = {
    name,
    points,
    pointsPerS: points / PHASE_S,
    cpuUsPerPoint: cpu / points,
    fanoutP50: pct(fanout, 50),
    fanoutP99: pct(fanout, 99),
  };
  console.log(JSON.stringify(result));
  return result;
}

const a = await phase("A: no rules", false);
for (const metric_id of metrics) {
  for (let j = 0; j < RULES_PER_METRIC; j++)
    await call("POST", `/api/v1/dashboards/${dash.id}/alert-rules`, {
      metric_id,
      condition: "above",
      threshold: 100 + j * 10,
    });
}
const rules = await call<{ id: number; metric_id: number }[]>(
  "GET",
  `/api/v1/dashboards/${dash.id}/alert-rules`,
);
const firstRules = metrics.map((m) => rules.find((r) => r.metric_id === m)!.id);
await call("POST", `/api/v1/dashboards/${dash.id}/contact-points`, {
  name: "hook",
  type: "webhook",
  settings: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, secret: "bench" },
});
await call("POST", `/api/v1/dashboards/${dash.id}/contact-points`, {
  name: "mail",
  type: "email",
  settings: { to: ["oncall@example.com"] },
  rule_ids: firstRules,
});
await sleep(2500); // the rule cache (2 s) sees the new rules
const b = await phase("B: 1,000 rules, breaches injected", true);
await sleep(3000); // stragglers

console.log("\n## Alert notifications bench");
console.log(`rules: ${rules.length}; phase: ${PHASE_S} s each; breaches injected: ${breaches}`);
console.log("| phase | points/s | server CPU µs/point | fan-out p50 ms | fan-out p99 ms |");
console.log("|---|---|---|---|---|");
for (const r of [a, b])
  console.log(
    `| ${r.name} | ${r.pointsPerS.toFixed(0)} | ${r.cpuUsPerPoint.toFixed(2)} | ${r.fanoutP50} | ${r.fanoutP99} |`,
  );
console.log(
  `evaluation + notification cost: ${(b.cpuUsPerPoint - a.cpuUsPerPoint).toFixed(2)} µs/point (B − A)`,
);
console.log(
  `ingest→webhook-received: p50 ${pct(webhookLatency, 50)} ms, p99 ${pct(webhookLatency, 99)} ms (${webhookLatency.length}/${breaches} breaches, ${webhookRequests} requests)`,
);
console.log(
  `ingest→email-accepted: p50 ${pct(emailLatency, 50)} ms, p99 ${pct(emailLatency, 99)} ms (${emailLatency.length}/${breaches} breaches, ${emails} messages)`,
);

for (const ws of sockets) ws.close();
server.kill("SIGTERM");
await once(server, "exit");
hook.close();
smtp.close();
rmSync(dataDir, { recursive: true, force: true });
