// `npm run bench`: for each client count and each target (Pulseboard, bare `ws`, Socket.IO),
// starts the server in a child process and N clients in a load-generator process, measures
// memory per idle connection, then publishes through the real HTTP path at rising rates and
// reports delivered updates/s, p50/p99 ingest→client latency, loss and server CPU per delivery.
// Ratios against the baselines come from the same run on the same machine.
// `npm run bench -- --storage` runs the storage benchmark instead (bench/src/storage/run.ts),
// `--chaos` the exact-delivery chaos benchmark (bench/src/chaos/run.ts).
import { writeFileSync } from "node:fs";
import { type Child, cpuMicros, startChild } from "./children.ts";
import { type IngestReport, printIngestReport, runIngest } from "./ingest.ts";
import type { FromLoadgen, LoadgenStats, ServerMemory, ServerReady } from "./ipc.ts";
import { type Options, parseOptions, type Target } from "./options.ts";
import { closePublisher, publish } from "./publisher.ts";
import { printReport, type StepResult, type TargetResult } from "./report.ts";
import { type IdleResult, idleReport, runIdle, runStorm, type StormResult, stormReport } from "./sections.ts";

const SCRIPTS: Record<Target, string> = {
  pulseboard: "targets/pulseboard-server.ts",
  preframed: "targets/preframed-server.ts",
  ws: "targets/ws-server.ts",
  socketio: "targets/socketio-server.ts",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledMemory(server: Child): Promise<ServerMemory> {
  await server.request<ServerMemory>({ type: "gc" }, "memory");
  await sleep(1000);
  return server.request<ServerMemory>({ type: "gc" }, "memory");
}

async function runTarget(target: Target, clients: number, opts: Options): Promise<TargetResult> {
  const nodeArgs = ["--expose-gc"];
  if (opts.cpuProf) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${opts.cpuProf}`);
  const server = startChild(SCRIPTS[target], { nodeArgs, env: { LOG_LEVEL: "warn" } });
  const loadgen = startChild("loadgen.ts");
  const result: TargetResult = {
    target,
    clients,
    connected: 0,
    memPerConnBytes: Number.NaN,
    heapPerConnBytes: Number.NaN,
    steps: [],
    note: "",
    connectMs: Number.NaN,
    connectCpuMicros: Number.NaN,
  };
  try {
    const ready = await server.next<ServerReady>("ready", 60_000);
    const before = await settledMemory(server);
    const epoch = Date.now();
    const connectCpu0 = cpuMicros(server.pid);
    const connected = await loadgen.request<Extract<FromLoadgen, { type: "connected" }>>(
      {
        type: "connect",
        count: clients,
        port: ready.port,
        path: ready.wsPath,
        headers: ready.wsHeaders,
        protocol: ready.protocol,
        metricId: ready.metricId,
        sourceAddresses: opts.sourceAddresses,
        epoch,
      },
      "connected",
      600_000,
    );
    result.connected = connected.ok;
    result.connectMs = connected.ms;
    result.connectCpuMicros = (cpuMicros(server.pid) - connectCpu0) / Math.max(1, connected.ok);
    if (connected.failed > 0)
      result.note = `${connected.failed} clients failed to connect: ${connected.firstError}`;
    log(
      `${target} ×${clients}: ${connected.ok} connected in ${connected.ms} ms${connected.failed ? ` (${connected.failed} failed: ${connected.firstError})` : ""}`,
    );
    if (connected.ok === 0) return result;
    await sleep(1000);
    const after = await settledMemory(server);
    result.memPerConnBytes = (after.rss - before.rss) / connected.ok;
    result.heapPerConnBytes = (after.heapUsed - before.heapUsed) / connected.ok;

    const publishTarget = {
      port: ready.port,
      path: ready.publishPath,
      headers: ready.publishHeaders,
      body: ready.publishBody,
      epoch,
    };
    // Warm-up (JIT, pools) at the lowest rate, not recorded.
    const rates = opts.rates(clients);
    await publish(publishTarget, rates[0] ?? 1, 1);
    await sleep(500);

    // A failed step is tried once more before the ladder stops: on a shared machine one burst
    // of someone else's work can spoil a step without saying anything about the server.
    let retried = false;
    for (let r = 0; r < rates.length; r++) {
      const rate = rates[r] as number;
      await loadgen.request({ type: "reset" }, "reset-done");
      const cpu0 = cpuMicros(server.pid);
      const lg0 = cpuMicros(loadgen.pid);
      const self0 = process.cpuUsage();
      const t0 = performance.now();
      const pub = await publish(publishTarget, rate, opts.stepSeconds);
      const windowSeconds = (performance.now() - t0) / 1000;
      const inWindow = await loadgen.request<LoadgenStats>({ type: "stats" }, "stats");
      const expected = pub.accepted * connected.ok;
      // Drain: wait until everything arrived, or nothing more arrives for 2 s (max 15 s).
      let final = inWindow;
      let lastChange = performance.now();
      const drainStart = performance.now();
      while (
        final.received < expected &&
        performance.now() - lastChange < 2000 &&
        performance.now() - drainStart < 15_000
      ) {
        await sleep(100);
        const s = await loadgen.request<LoadgenStats>({ type: "stats" }, "stats");
        if (s.received !== final.received) lastChange = performance.now();
        final = s;
      }
      const cpu = cpuMicros(server.pid) - cpu0;
      const lgCpu = cpuMicros(loadgen.pid) - lg0;
      const self = process.cpuUsage(self0);
      const elapsed = (performance.now() - t0) / 1000;
      const step: StepResult = {
        rate,
        offeredPerSec: (pub.sent * connected.ok) / windowSeconds,
        // Everything delivered for this step's posts (drain included) per second of publishing;
        // lateness is judged by p99, not by what happened to land inside the window.
        deliveredPerSec: final.received / windowSeconds,
        p50: final.p50,
        p99: final.p99,
        max: final.max,
        loss: expected === 0 ? 1 : Math.max(0, 1 - final.received / expected),
        publishFailed: pub.failed,
        publishError: pub.firstError,
        cpuMicrosPerDelivery: final.received > 0 ? cpu / final.received : Number.NaN,
        serverCpuPercent: (cpu / 1e6 / elapsed) * 100,
        loadgenCpuPercent: (lgCpu / 1e6 / elapsed) * 100,
        publisherCpuPercent: ((self.user + self.system) / 1e6 / elapsed) * 100,
        closed: final.closedUnexpectedly,
        sustained: false,
      };
      step.sustained =
        step.loss === 0 && step.publishFailed === 0 && step.p99 < opts.p99LimitMs && step.closed === 0;
      result.steps.push(step);
      log(
        `  ${target} ×${clients} @${rate}/s: delivered ${Math.round(step.deliveredPerSec)}/s of ${Math.round(step.offeredPerSec)}/s, ` +
          `p50 ${step.p50.toFixed(1)} ms p99 ${step.p99.toFixed(1)} ms, loss ${(step.loss * 100).toFixed(2)}%, ` +
          `${step.cpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery, CPU % server ${Math.round(step.serverCpuPercent)} clients ${Math.round(step.loadgenCpuPercent)} publisher ${Math.round(step.publisherCpuPercent)}${pub.failed ? `, ${pub.failed} publish failures: ${pub.firstError}` : ""}` +
          `${final.closedUnexpectedly ? `, ${final.closedUnexpectedly} clients closed (last ${final.lastCloseCode} ${final.lastCloseReason})` : ""}` +
          (step.sustained ? "" : "  ✗"),
      );
      if (!step.sustained && !opts.full) {
        if (retried) break;
        retried = true;
        step.note = "retried";
        r--;
        await sleep(1000);
        continue;
      }
      retried = false;
      await sleep(300);
    }
  } catch (err) {
    result.note = `failed: ${(err as Error).message}`;
    log(`${target} ×${clients} ${result.note}`);
  } finally {
    loadgen.proc.connected && loadgen.proc.send({ type: "close" });
    await loadgen.stop();
    await server.stop();
  }
  return result;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  if (process.argv.includes("--abuse")) {
    const { runAbuse } = await import("./abuse.ts");
    await runAbuse(process.argv.slice(2));
    return;
  }
  if (process.argv.includes("--chaos")) {
    const { mainChaos } = await import("./chaos/run.ts");
    await mainChaos(process.argv.slice(2));
    // The SDK clients' timers and the server children are gone; nothing else should keep us.
    process.exit(0);
  }
  const opts = parseOptions(process.argv.slice(2));
  if (opts.storage) {
    const { mainStorage } = await import("./storage/run.ts");
    await mainStorage(opts.storage, process.argv.slice(2), opts.out);
    return;
  }
  const results: TargetResult[] = [];
  const started = new Date();
  const storms: StormResult[] = [];
  const idles: IdleResult[] = [];
  if (opts.sections.includes("ladder"))
    for (const clients of opts.clients) {
      for (const target of opts.targets) {
        results.push(await runTarget(target, clients, opts));
        await sleep(1000); // let TIME_WAIT and the other process settle
      }
    }
  if (opts.sections.includes("storm"))
    for (const variant of ["at once", "SDK jitter"] as const)
      for (const target of opts.targets) {
        storms.push(await runStorm(target, SCRIPTS[target], variant, opts));
        await sleep(1000);
      }
  if (opts.sections.includes("idle"))
    for (const target of opts.targets) {
      idles.push(await runIdle(target, SCRIPTS[target], opts));
      await sleep(1000);
    }
  let ingest: IngestReport | undefined;
  if (opts.sections.includes("ingest"))
    ingest = await runIngest({ ...opts.ingest, cpuProf: opts.cpuProf }, log);
  closePublisher();
  if (results.length > 0) printReport(results, opts, started);
  if (storms.length > 0 || idles.length > 0)
    console.log([stormReport(storms, opts), idleReport(idles)].join("\n"));
  if (ingest) printIngestReport(ingest, opts.ingest);
  if (opts.out)
    writeFileSync(
      opts.out,
      JSON.stringify({ started, argv: process.argv.slice(2), results, storms, idles, ingest }, null, 2),
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
