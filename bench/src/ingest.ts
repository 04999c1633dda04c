// The ingest section of `npm run bench`: samples/s durably stored through each receiver
// (remote_write, line protocol, OTLP protobuf, JSON), batches of realistic size sent by a few
// concurrent closed-loop senders, the server's CPU per sample, and the p99 of the usual
// 1,000-client fan-out running meanwhile on another dashboard — against the same fan-out with no
// ingest measured first in the same run (the baseline).
//
// Batch sizes: remote_write 2,000 samples (Prometheus's max_samples_per_send), line protocol
// 5,000 points (Telegraf's 1,000 metrics × 5 fields), OTLP 1,000 data points, JSON 1,000 points.
// Payloads are built before the clock starts (K variants with distinct timestamps, cycled), so
// the sender's own CPU stays out of the figures as far as two shared cores allow.
import { Agent, request } from "node:http";
import { remoteWriteBody, type WriteSeries } from "@pulseboard/test-support";
import { OTLP_REQUEST } from "../../apps/server/src/ingest/receivers/otlp.ts";
import { type Child, cpuMicros, startChild } from "./children.ts";
import type { FromLoadgen, LoadgenStats, ServerReady } from "./ipc.ts";
import { publish } from "./publisher.ts";

export type IngestOptions = {
  seconds: number;
  clients: number;
  fanoutRate: number;
  senders: number;
  p99LimitMs: number;
  /** Profile the server child with --cpu-prof into this directory (`--cpu-prof dir`). */
  cpuProf?: string | undefined;
};

export type IngestResult = {
  protocol: string;
  batch: number;
  samplesPerSec: number;
  requestsPerSec: number;
  cpuMicrosPerSample: number;
  serverCpuPercent: number;
  failed: number;
  firstError: string | undefined;
  fanoutP99: number;
  fanoutLoss: number;
};

export type IngestReport = {
  fanoutClients: number;
  fanoutRate: number;
  baselineP99: number;
  baselineLoss: number;
  results: IngestResult[];
};

const SERIES = 1000;
const VARIANTS = 8;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Payload = { path: string; headers: Record<string, string>; bodies: Buffer[]; samples: number };

function remoteWrite(base: number): Payload {
  const bodies: Buffer[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    const series: WriteSeries[] = [];
    for (let s = 0; s < SERIES; s++)
      series.push({
        labels: {
          __name__: "bench_cpu_seconds_total",
          instance: `host-${s % 50}:9100`,
          job: "node",
          cpu: String(s % 20),
        },
        samples: [
          [v * 10 + s, base + v * 2000],
          [v * 10 + s + 1, base + v * 2000 + 1000],
        ],
      });
    bodies.push(remoteWriteBody(series));
  }
  return {
    path: "/api/v1/write?dashboard=ingest",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
    bodies,
    samples: SERIES * 2,
  };
}

function lineProtocol(base: number): Payload {
  const bodies: Buffer[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    const lines: string[] = [];
    for (let s = 0; s < SERIES; s++)
      lines.push(
        `cpu,host=host-${s % 50},cpu=cpu${s % 20} usage_user=${(s % 97) + v / 10},usage_system=${s % 13},usage_idle=${90 - (s % 7)},usage_iowait=0.5,usage_irq=0i ${(base + v * 1000) * 1e6}`,
      );
    bodies.push(Buffer.from(`${lines.join("\n")}\n`));
  }
  return {
    path: "/api/v2/write?bucket=ingest&precision=ns",
    headers: { "content-type": "text/plain; charset=utf-8" },
    bodies,
    samples: SERIES * 5,
  };
}

function otlp(base: number): Payload {
  const bodies: Buffer[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    const dataPoints = Array.from({ length: SERIES }, (_, s) => ({
      attributes: [
        { key: "http.route", value: { stringValue: `/r${s % 50}` } },
        { key: "status", value: { intValue: 200 + (s % 20) } },
      ],
      timeUnixNano: (base + v * 1000) * 1e6,
      asDouble: s + v,
    }));
    const message = OTLP_REQUEST.fromObject({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "bench" } }] },
          scopeMetrics: [{ metrics: [{ name: "http.requests", sum: { dataPoints, isMonotonic: true } }] }],
        },
      ],
    });
    bodies.push(Buffer.from(OTLP_REQUEST.encode(message).finish()));
  }
  return {
    path: "/v1/metrics?dashboard=ingest",
    headers: { "content-type": "application/x-protobuf" },
    bodies,
    samples: SERIES,
  };
}

function json(base: number, dashboardId: number): Payload {
  // The series the line-protocol warm-up created, by their (folded) names.
  const bodies: Buffer[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    const points = Array.from({ length: SERIES }, (_, s) => ({
      dashboard_id: dashboardId,
      metric: `cpu_usage_user{cpu="cpu${s % 20}",host="host-${s % 50}"}`,
      value: s + v,
      timestamp: new Date(base + v * 1000).toISOString(),
    }));
    bodies.push(Buffer.from(JSON.stringify({ points })));
  }
  return { path: "/api/v1/ingest", headers: { "content-type": "application/json" }, bodies, samples: SERIES };
}

function post(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent,
        headers: { ...headers, "content-length": body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          resolve(
            ok ? undefined : `HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`,
          );
        });
      },
    );
    req.on("error", (err) => resolve(err.message));
    req.end(body);
  });
}

/** `senders` closed loops for `seconds`: each sends its next batch once the previous one is acknowledged. */
async function drive(port: number, p: Payload, auth: string, seconds: number, senders: number) {
  const headers = { ...p.headers, authorization: auth };
  const end = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (performance.now() < end) {
        const error = await post(port, p.path, headers, p.bodies[next++ % p.bodies.length] as Buffer);
        if (error === undefined) ok++;
        else {
          failed++;
          firstError ??= error;
        }
      }
    }),
  );
  return { ok, failed, firstError };
}

export async function runIngest(opts: IngestOptions, log: (line: string) => void): Promise<IngestReport> {
  const server: Child = startChild("targets/pulseboard-server.ts", {
    nodeArgs: ["--expose-gc", ...(opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProf}`] : [])],
    env: { LOG_LEVEL: "warn" },
  });
  const loadgen = startChild("loadgen.ts");
  const report: IngestReport = {
    fanoutClients: 0,
    fanoutRate: opts.fanoutRate,
    baselineP99: Number.NaN,
    baselineLoss: Number.NaN,
    results: [],
  };
  try {
    const ready = await server.next<ServerReady>("ready", 60_000);
    const auth = ready.publishHeaders.authorization as string;
    const created = await fetch(`http://127.0.0.1:${ready.port}/api/v1/dashboards`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "Ingest", slug: "ingest" }),
    });
    const dashboardId = ((await created.json()) as { id: number }).id;
    const epoch = Date.now();
    const connected = await loadgen.request<Extract<FromLoadgen, { type: "connected" }>>(
      {
        type: "connect",
        count: opts.clients,
        port: ready.port,
        path: ready.wsPath,
        headers: ready.wsHeaders,
        protocol: ready.protocol,
        metricId: ready.metricId,
        sourceAddresses: 1,
        epoch,
      },
      "connected",
      600_000,
    );
    report.fanoutClients = connected.ok;
    log(`ingest: ${connected.ok} fan-out clients connected`);
    const publishTarget = {
      port: ready.port,
      path: ready.publishPath,
      headers: ready.publishHeaders,
      body: ready.publishBody,
      epoch,
    };

    /** Runs the fan-out at its fixed rate for `seconds` alongside `work`, returning p99 and loss. */
    const withFanout = async <T>(work: () => Promise<T>) => {
      await loadgen.request({ type: "reset" }, "reset-done");
      const [pub, result] = await Promise.all([
        publish(publishTarget, opts.fanoutRate, opts.seconds),
        work(),
      ]);
      await sleep(1500); // let the last deliveries land
      const stats = await loadgen.request<LoadgenStats>({ type: "stats" }, "stats");
      const expected = pub.accepted * connected.ok;
      return {
        result,
        p99: stats.p99,
        loss: expected === 0 ? 1 : Math.max(0, 1 - stats.received / expected),
      };
    };

    await publish(publishTarget, opts.fanoutRate, 1); // warm-up
    const baseline = await withFanout(async () => undefined);
    report.baselineP99 = baseline.p99;
    report.baselineLoss = baseline.loss;
    log(`ingest: fan-out alone ×${connected.ok} @${opts.fanoutRate}/s: p99 ${baseline.p99.toFixed(1)} ms`);

    const base = Date.now() - 3600_000;
    const payloads: Array<[string, Payload]> = [
      ["remote_write", remoteWrite(base)],
      ["line protocol", lineProtocol(base)],
      ["OTLP protobuf", otlp(base)],
      ["JSON ingest", json(base, dashboardId)],
    ];
    for (const [protocol, payload] of payloads) {
      // Warm-up: creates the series (first sight) and JITs the decoder; not measured.
      const warm = await drive(ready.port, payload, auth, 1, 1);
      if (warm.failed > 0) log(`ingest: ${protocol} warm-up failed: ${warm.firstError}`);
      const cpu0 = cpuMicros(server.pid);
      const t0 = performance.now();
      const measured = await withFanout(() => drive(ready.port, payload, auth, opts.seconds, opts.senders));
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = cpuMicros(server.pid) - cpu0;
      const samples = measured.result.ok * payload.samples;
      const r: IngestResult = {
        protocol,
        batch: payload.samples,
        samplesPerSec: samples / opts.seconds,
        requestsPerSec: measured.result.ok / opts.seconds,
        cpuMicrosPerSample: samples > 0 ? cpu / samples : Number.NaN,
        serverCpuPercent: (cpu / 1e6 / elapsed) * 100,
        failed: measured.result.failed,
        firstError: measured.result.firstError,
        fanoutP99: measured.p99,
        fanoutLoss: measured.loss,
      };
      report.results.push(r);
      log(
        `ingest: ${protocol} (${payload.samples}/batch): ${Math.round(r.samplesPerSec)} samples/s, ` +
          `${r.cpuMicrosPerSample.toFixed(2)} µs server CPU/sample, fan-out p99 ${r.fanoutP99.toFixed(1)} ms` +
          `${r.failed ? `, ${r.failed} failed: ${r.firstError}` : ""}`,
      );
      await sleep(500);
    }
  } finally {
    loadgen.proc.connected && loadgen.proc.send({ type: "close" });
    await loadgen.stop();
    await server.stop();
  }
  return report;
}

export function printIngestReport(r: IngestReport, opts: IngestOptions): void {
  const jsonRate = r.results.find((x) => x.protocol === "JSON ingest")?.samplesPerSec ?? Number.NaN;
  const lines = [
    "",
    `## Ingest (${opts.seconds} s per protocol, ${opts.senders} concurrent senders, fan-out ${r.fanoutClients} clients @${r.fanoutRate} posts/s meanwhile)`,
    "",
    `Baseline, fan-out alone: p99 ${r.baselineP99.toFixed(1)} ms, loss ${(r.baselineLoss * 100).toFixed(2)}%`,
    "",
    "| protocol | batch | samples/s stored (× JSON ingest) | requests/s | server CPU µs/sample | server CPU % | fan-out p99 ms (× baseline) | fan-out loss | failed |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...r.results.map(
      (x) =>
        `| ${x.protocol} | ${x.batch} | ${Math.round(x.samplesPerSec).toLocaleString("en-US")} (${(x.samplesPerSec / jsonRate).toFixed(2)}×) | ${x.requestsPerSec.toFixed(1)} | ${x.cpuMicrosPerSample.toFixed(2)} | ${Math.round(x.serverCpuPercent)} | ${x.fanoutP99.toFixed(1)} (${(x.fanoutP99 / r.baselineP99).toFixed(2)}×) | ${(x.fanoutLoss * 100).toFixed(2)}% | ${x.failed} |`,
    ),
    "",
    `Goals: remote_write ≥ 200,000 samples/s, line protocol ≥ 300,000 points/s, fan-out p99 < ${opts.p99LimitMs} ms during ingest.`,
  ];
  console.log(lines.join("\n"));
}
