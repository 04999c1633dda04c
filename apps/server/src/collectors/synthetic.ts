// The synthetic generator (demo data, enabled by a flag): one metric of each type so a fresh
// install has something moving on every kind of chart.
// - `requests_total` (counter): cumulative count; each tick adds a Poisson-distributed number
//   of requests (20/s on average), so it never decreases.
// - `temperature` (gauge, °C): an Ornstein-Uhlenbeck random walk around 21 °C — smooth, and
//   pulled back towards the mean so it never drifts off to absurd values.
// - `latency_ms` (histogram): ONE POINT PER OBSERVATION. Each tick emits several request
//   latencies drawn from a log-normal distribution (median 40 ms, long right tail), with
//   timestamps spread across the tick so each observation is its own point; the server or
//   the UI buckets them. Always positive.
// - `cpu_percent{host, role}` (gauge, %): one labeled series per host of a small fleet, each a
//   random walk around its own level, so the demo has a family to chart by host or by role.
import { seriesKey } from "@pulseboard/protocol/series";
import { CollectorSinkError } from "./errors.ts";
import { checkInterval, startLoop, warnOnError } from "./loop.ts";
import type { CollectedMetric, CollectedPoint, CollectorHandle, ErrorHandler, Sink } from "./types.ts";

export const syntheticMetrics = {
  requests: {
    name: "requests_total",
    type: "counter",
    unit: "requests",
    description: "Synthetic: requests served since the generator started",
  },
  temperature: {
    name: "temperature",
    type: "gauge",
    unit: "°C",
    description: "Synthetic: a smoothly wandering temperature",
  },
  latency: {
    name: "latency_ms",
    type: "histogram",
    unit: "ms",
    description: "Synthetic: request latencies, one point per observation (log-normal)",
  },
} as const satisfies Record<string, CollectedMetric>;

/** The demo fleet: one `cpu_percent` series per host, walking around its host's level. */
export const syntheticHosts = [
  { host: "web-1", role: "web", level: 35 },
  { host: "web-2", role: "web", level: 45 },
  { host: "web-3", role: "web", level: 30 },
  { host: "db-1", role: "db", level: 60 },
].map(({ host, role, level }) => ({
  level,
  metric: {
    name: seriesKey("cpu_percent", { host, role }),
    type: "gauge",
    unit: "%",
    description: "Synthetic: CPU busy per host of a demo fleet",
  } satisfies CollectedMetric,
}));

const REQUESTS_PER_SECOND = 20;
const TEMPERATURE_MEAN = 21;
const TEMPERATURE_PULL = 0.05; // per second: how fast the walk returns to the mean
const TEMPERATURE_NOISE = 0.3; // °C per sqrt(second)
const LATENCY_MEDIAN_MS = 40;
const LATENCY_SIGMA = 0.6;

export function startSyntheticGenerator(opts: {
  intervalMs?: number;
  sink: Sink;
  onError?: ErrorHandler;
  /** Uniform [0, 1) source; injectable so a run can be reproduced. */
  random?: () => number;
  /** Latency observations emitted per tick (default 5). */
  observationsPerTick?: number;
}): CollectorHandle {
  const intervalMs = checkInterval(opts.intervalMs ?? 1000, "synthetic generator");
  const random = opts.random ?? Math.random;
  const observations = Math.max(1, Math.floor(opts.observationsPerTick ?? 5));
  const normal = () => gaussian(random);
  const seconds = intervalMs / 1000;
  let requests = 0;
  let temperature = TEMPERATURE_MEAN;
  const cpu = syntheticHosts.map((h) => h.level);

  return startLoop({
    intervalMs,
    onError: opts.onError ?? warnOnError,
    tick: async (signal) => {
      const now = Date.now();
      const timestamp = new Date(now);
      requests += poisson(REQUESTS_PER_SECOND * seconds, random, normal);
      temperature +=
        TEMPERATURE_PULL * (TEMPERATURE_MEAN - temperature) * seconds +
        TEMPERATURE_NOISE * Math.sqrt(seconds) * normal();
      const batch: CollectedPoint[] = [
        { metric: syntheticMetrics.requests, value: requests, timestamp },
        { metric: syntheticMetrics.temperature, value: round(temperature, 3), timestamp },
      ];
      syntheticHosts.forEach((h, i) => {
        // The same pulled walk as the temperature, kept within 0–100 %.
        const next = cpu[i]! + 0.1 * (h.level - cpu[i]!) * seconds + 3 * Math.sqrt(seconds) * normal();
        cpu[i] = Math.min(100, Math.max(0, next));
        batch.push({ metric: h.metric, value: round(cpu[i]!, 1), timestamp });
      });
      // Spread observations over the past interval, oldest first, at least 1 ms apart.
      const step = Math.max(1, Math.floor(intervalMs / observations));
      for (let i = 0; i < observations; i++) {
        const latency = Math.exp(Math.log(LATENCY_MEDIAN_MS) + LATENCY_SIGMA * normal());
        batch.push({
          metric: syntheticMetrics.latency,
          value: round(latency, 3),
          timestamp: new Date(now - (observations - 1 - i) * step),
        });
      }
      if (signal.aborted) return;
      try {
        await opts.sink(batch);
      } catch (e) {
        throw new CollectorSinkError("synthetic generator", e);
      }
    },
  });
}

/** Standard normal by Box–Muller; 1 - u keeps log() away from zero. */
function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Poisson(lambda): Knuth's method for small lambda, a rounded normal beyond. */
function poisson(lambda: number, random: () => number, normal: () => number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  // The cap only matters for a broken injected `random` that never gets small.
  while (p > limit && k < 10 * lambda + 100) {
    k++;
    p *= random();
  }
  return k;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
