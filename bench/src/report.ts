// Owns the printed report: per client count, each target's ceiling (highest rate step that was
// sustained: no loss, p99 under the limit, no publish failure), its memory per
// idle connection, and ratios of Pulseboard against the baselines measured in the same run.
import { cpus, loadavg } from "node:os";
import type { Options, Target } from "./options.ts";

export type StepResult = {
  rate: number;
  offeredPerSec: number;
  deliveredPerSec: number;
  p50: number;
  p99: number;
  max: number;
  loss: number;
  publishFailed: number;
  publishError: string | undefined;
  cpuMicrosPerDelivery: number;
  serverCpuPercent: number;
  loadgenCpuPercent: number;
  publisherCpuPercent: number;
  closed: number;
  sustained: boolean;
  /** "retried" when a failed step was run again. */
  note?: string;
};

export type TargetResult = {
  target: Target;
  clients: number;
  connected: number;
  memPerConnBytes: number;
  heapPerConnBytes: number;
  steps: StepResult[];
  note: string;
  /** Connecting all clients (64 handshakes in flight): wall time, and server CPU per connect. */
  connectMs: number;
  connectCpuMicros: number;
};

const NAMES: Record<Target, string> = {
  pulseboard: "Pulseboard",
  preframed: "pre-framed ws",
  ws: "bare ws",
  socketio: "Socket.IO 4.8",
};

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";

export function best(r: TargetResult): StepResult | undefined {
  return r.steps.filter((s) => s.sustained).at(-1);
}

/** True when even the top of the rate ladder was sustained: the ceiling is higher than measured. */
function capped(r: TargetResult, opts: Options): boolean {
  const top = opts.rates(r.clients).at(-1);
  return best(r)?.rate === top;
}

export function printReport(results: TargetResult[], opts: Options, started: Date): void {
  const out: string[] = [];
  out.push(
    `\n## Results (${started.toISOString()}, ${opts.stepSeconds} s per step, sustained = no loss, p99 < ${opts.p99LimitMs} ms)\n`,
  );
  out.push(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, load average at the end ` +
      `${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} (other work on the machine shows up as noise).\n`,
  );
  for (const clients of opts.clients) {
    const rows = results.filter((r) => r.clients === clients);
    out.push(`### ${fmt(clients)} clients\n`);
    out.push(
      "| server | connected | connect time | server CPU per connect | sustained deliveries/s | p50 ms | p99 ms | server CPU µs/delivery | RSS/idle conn | heap/idle conn | note |",
    );
    out.push("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
      const b = best(r);
      out.push(
        `| ${NAMES[r.target]} | ${fmt(r.connected)} | ${fmt(r.connectMs / 1000, 1)} s | ${fmt(r.connectCpuMicros / 1000, 2)} ms | ${b ? (capped(r, opts) ? "≥ " : "") + fmt(b.deliveredPerSec) : "none"} | ${fmt(b?.p50 ?? Number.NaN, 1)} | ${fmt(b?.p99 ?? Number.NaN, 1)} | ${fmt(b?.cpuMicrosPerDelivery ?? Number.NaN, 2)} | ${fmt(r.memPerConnBytes / 1024, 1)} KiB | ${fmt(r.heapPerConnBytes / 1024, 1)} KiB | ${r.note} |`,
      );
    }
    const pb = rows.find((r) => r.target === "pulseboard");
    if (pb) {
      out.push("");
      for (const base of rows.filter((r) => r.target !== "pulseboard")) {
        const a = best(pb);
        const b = best(base);
        const thr = a && b ? a.deliveredPerSec / b.deliveredPerSec : Number.NaN;
        // Each at its own ceiling; below 1× Pulseboard spends less CPU per delivery.
        const cpu = a && b ? a.cpuMicrosPerDelivery / b.cpuMicrosPerDelivery : Number.NaN;
        // A baseline whose RSS shrank while clients connected (GC noise in short runs) has no ratio.
        const mem = base.memPerConnBytes > 0 ? pb.memPerConnBytes / base.memPerConnBytes : Number.NaN;
        out.push(
          `- Pulseboard vs ${NAMES[base.target]}: ${fmt(thr, 2)}× sustained deliveries/s${capped(pb, opts) || capped(base, opts) ? " (ladder-capped)" : ""}, ` +
            `${fmt(cpu, 2)}× the server CPU per delivery, memory per idle connection ${fmt(mem, 2)}× (RSS)`,
        );
      }
    }
    out.push("\nAll steps:\n");
    out.push(
      "| server | posts/s | offered/s | delivered/s | p50 ms | p99 ms | max ms | loss | CPU µs/delivery | CPU % server / clients / publisher | |",
    );
    out.push("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows)
      for (const s of r.steps)
        out.push(
          `| ${NAMES[r.target]} | ${s.rate} | ${fmt(s.offeredPerSec)} | ${fmt(s.deliveredPerSec)} | ${fmt(s.p50, 1)} | ${fmt(s.p99, 1)} | ${fmt(s.max, 1)} | ${fmt(s.loss * 100, 2)}% | ${fmt(s.cpuMicrosPerDelivery, 2)} | ${fmt(s.serverCpuPercent)} / ${fmt(s.loadgenCpuPercent)} / ${fmt(s.publisherCpuPercent)} | ${s.sustained ? "✓" : `✗${s.note ? " (then retried)" : ""}`}${s.publishFailed ? ` ${s.publishFailed} publish failures` : ""} |`,
        );
    out.push("");
  }
  console.log(out.join("\n"));
}
