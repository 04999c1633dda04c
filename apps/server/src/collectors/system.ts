// The system collector: samples this host once per interval and emits CPU %, memory %,
// network throughput and the 1-minute load average. On Linux it reads /proc (CPU from
// /proc/stat deltas, memory from MemAvailable, network from /proc/net/dev excluding lo);
// elsewhere it falls back to node:os for CPU and memory and emits no network metrics.
// CPU and network are rates, so they first appear on the second sample.
import { existsSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { CollectorSinkError, describe } from "./errors.ts";
import { checkInterval, startLoop, warnOnError } from "./loop.ts";
import {
  type CpuTimes,
  clampPercent,
  type NetCounters,
  netDelta,
  parseMemInfo,
  parseNetDev,
  parseProcStat,
  readProc,
} from "./procfs.ts";
import type { CollectedMetric, CollectedPoint, CollectorHandle, ErrorHandler, Sink } from "./types.ts";

export const systemMetrics = {
  cpu: {
    name: "cpu_percent",
    type: "gauge",
    unit: "%",
    description: "CPU time spent busy (not idle or waiting for I/O), all cores",
  },
  memory: {
    name: "memory_percent",
    type: "gauge",
    unit: "%",
    description: "Memory in use: total minus what is available without swapping",
  },
  networkIn: {
    name: "network_in_bytes",
    type: "gauge",
    unit: "B/s",
    description: "Bytes received per second, all interfaces except loopback",
  },
  networkOut: {
    name: "network_out_bytes",
    type: "gauge",
    unit: "B/s",
    description: "Bytes sent per second, all interfaces except loopback",
  },
  load: { name: "load_1m", type: "gauge", unit: "", description: "Load average over the last minute" },
} as const satisfies Record<string, CollectedMetric>;

type Sources = {
  cpu: () => Promise<CpuTimes>;
  memory: () => Promise<number>;
  network: (() => Promise<NetCounters>) | undefined;
};

const procSources: Sources = {
  cpu: () => readProc("/proc/stat", parseProcStat),
  memory: () => readProc("/proc/meminfo", parseMemInfo),
  network: () => readProc("/proc/net/dev", parseNetDev),
};

const portableSources: Sources = {
  cpu: async () => {
    let busy = 0;
    let total = 0;
    for (const { times } of os.cpus()) {
      const all = times.user + times.nice + times.sys + times.idle + times.irq;
      total += all;
      busy += all - times.idle;
    }
    return { busy, total };
  },
  memory: async () => clampPercent((100 * (os.totalmem() - os.freemem())) / os.totalmem()),
  network: undefined,
};

export function startSystemCollector(opts: {
  intervalMs?: number;
  sink: Sink;
  onError?: ErrorHandler;
}): CollectorHandle {
  const intervalMs = checkInterval(opts.intervalMs ?? 1000, "system collector");
  const onError = opts.onError ?? warnOnError;
  const sources = existsSync("/proc/stat") ? procSources : portableSources;
  let previous: { at: number; cpu?: CpuTimes; net?: NetCounters } | undefined;

  return startLoop({
    intervalMs,
    onError,
    tick: async (signal) => {
      const at = performance.now();
      const timestamp = new Date();
      const [cpu, memory, net] = await Promise.allSettled([
        sources.cpu(),
        sources.memory(),
        sources.network ? sources.network() : Promise.resolve(undefined),
      ]);
      const batch: CollectedPoint[] = [];
      const point = (metric: CollectedMetric, value: number) => {
        if (Number.isFinite(value)) batch.push({ metric, value, timestamp });
      };
      const current = {
        at,
        cpu: cpu.status === "fulfilled" ? cpu.value : undefined,
        net: net.status === "fulfilled" ? net.value : undefined,
      };

      if (current.cpu && previous?.cpu) {
        const total = current.cpu.total - previous.cpu.total;
        const busy = current.cpu.busy - previous.cpu.busy;
        if (total > 0) point(systemMetrics.cpu, clampPercent((100 * busy) / total));
      }
      if (memory.status === "fulfilled") point(systemMetrics.memory, memory.value);
      if (current.net && previous?.net) {
        const seconds = (at - previous.at) / 1000;
        const { rx, tx } = netDelta(previous.net, current.net);
        if (seconds > 0) {
          point(systemMetrics.networkIn, rx / seconds);
          point(systemMetrics.networkOut, tx / seconds);
        }
      }
      const [load1] = os.loadavg();
      if (load1 !== undefined) point(systemMetrics.load, load1);
      previous = current;

      // A broken source loses only its own metric; the others still go out.
      for (const result of [cpu, memory, net]) {
        if (result.status === "rejected") safeReport(onError, result.reason);
      }
      if (signal.aborted || batch.length === 0) return;
      try {
        await opts.sink(batch);
      } catch (e) {
        throw new CollectorSinkError("system collector", e);
      }
    },
  });
}

function safeReport(onError: ErrorHandler, e: unknown) {
  try {
    onError(e instanceof Error ? e : new Error(describe(e)));
  } catch {
    // see loop.ts: a throwing handler must not stop collection
  }
}
