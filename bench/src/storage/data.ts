// Owns the storage benchmark's data: deterministic, realistic series generated once into typed
// arrays, so Pulseboard and Prometheus store exactly the same points (same doubles, same
// timestamps). Three datasets, measured separately:
//   gauge-1hz   one temperature-like gauge at 1 Hz with 2 decimals (the series the queries read)
//   walk-1hz    a random walk of full-precision doubles at 1 Hz (the worst case for compression)
//   collector   N metrics at 10 s, the mix a host collector produces: byte counters that only rise
//               (with rare resets), byte gauges, percentages with 1–2 decimals, load averages and
//               a few full-precision ratios.
// Values are rounded the way a collector would print them, so a decimal value is exactly the
// double the text "21.37" parses to on both sides.
import { seededRandom } from "@pulseboard/test-support/random";

export type MetricType = "counter" | "gauge";

export type Series = {
  /** A Prometheus-valid name, used as the Pulseboard metric name too. */
  name: string;
  type: MetricType;
  unit: string;
  startMs: number;
  stepMs: number;
  values: Float64Array;
};

export type Dataset = {
  key: "gauge-1hz" | "walk-1hz" | "collector";
  label: string;
  series: Series[];
  points: number;
};

function gaussian(rand: () => number): number {
  // Box–Muller; 1 - rand() keeps log() away from 0.
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const round = (v: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

const DAY_MS = 86_400_000;

/** A room/CPU temperature: daily cycle, slow weather drift, sensor noise, 2 decimals. */
function temperature(count: number, startMs: number, stepMs: number): Float64Array {
  const rand = seededRandom(1);
  const out = new Float64Array(count);
  let drift = 0;
  for (let i = 0; i < count; i++) {
    const t = startMs + i * stepMs;
    drift = drift * 0.9999 + gaussian(rand) * 0.01;
    const daily = 3 * Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS);
    out[i] = round(21 + daily + drift + gaussian(rand) * 0.05, 2);
  }
  return out;
}

/** A random walk of full-precision doubles (no rounding: every mantissa bit is noise). */
function randomWalk(count: number): Float64Array {
  const rand = seededRandom(2);
  const out = new Float64Array(count);
  let v = 100;
  for (let i = 0; i < count; i++) {
    v += gaussian(rand) * 0.1;
    out[i] = v;
  }
  return out;
}

type Kind = "bytes_total" | "bytes" | "percent" | "load" | "ratio";

/** Share of each kind among the collector metrics, in the order they are assigned. */
const MIX: [Kind, number][] = [
  ["bytes_total", 0.3],
  ["bytes", 0.2],
  ["percent", 0.25],
  ["load", 0.15],
  ["ratio", 0.1],
];

function kindOf(index: number): Kind {
  // Interleave so that any prefix (e.g. --storage-metrics 10) keeps roughly the same mix.
  const slot = (index * 0.618_033_988_75) % 1;
  let acc = 0;
  for (const [kind, share] of MIX) {
    acc += share;
    if (slot < acc) return kind;
  }
  return "ratio";
}

function collectorSeries(index: number, count: number, startMs: number, stepMs: number): Series {
  const kind = kindOf(index);
  const rand = seededRandom(1000 + index);
  const out = new Float64Array(count);
  const name = `node_${kind}_${String(index).padStart(3, "0")}`;
  switch (kind) {
    case "bytes_total": {
      // A network/disk byte counter: a bursty rate, integer steps, a reset about once a series.
      const base = 10 ** (4 + rand() * 3); // 10 kB/s … 10 MB/s
      let v = Math.floor(rand() * 1e12);
      for (let i = 0; i < count; i++) {
        if (rand() < 1 / count) v = 0;
        const burst = rand() < 0.05 ? 5 + rand() * 20 : 1;
        v += Math.floor(base * burst * (0.5 + rand()) * (stepMs / 1000));
        out[i] = v;
      }
      return { name, type: "counter", unit: "bytes", startMs, stepMs, values: out };
    }
    case "bytes": {
      // Memory in use: pages of 4 KiB around a level that wanders slowly.
      const total = 2 ** (33 + Math.floor(rand() * 3)); // 8–32 GiB
      let level = total * (0.3 + rand() * 0.4);
      for (let i = 0; i < count; i++) {
        level = Math.min(total * 0.95, Math.max(total * 0.05, level + gaussian(rand) * total * 0.002));
        out[i] = Math.round(level / 4096) * 4096;
      }
      return { name, type: "gauge", unit: "bytes", startMs, stepMs, values: out };
    }
    case "percent": {
      // CPU/disk utilisation: a daily cycle plus noise, 1 or 2 decimals, clamped to [0, 100].
      const decimals = index % 2 === 0 ? 1 : 2;
      const mean = 10 + rand() * 50;
      for (let i = 0; i < count; i++) {
        const t = startMs + i * stepMs;
        const daily = 0.4 * mean * Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS);
        out[i] = round(Math.min(100, Math.max(0, mean + daily + gaussian(rand) * mean * 0.15)), decimals);
      }
      return { name, type: "gauge", unit: "%", startMs, stepMs, values: out };
    }
    case "load": {
      // A 1-minute load average: an exponentially damped run-queue length, 2 decimals.
      const cores = 2 + Math.floor(rand() * 6);
      let load = cores * 0.3;
      const damp = Math.exp(-stepMs / 60_000);
      for (let i = 0; i < count; i++) {
        const runnable = Math.max(0, cores * 0.3 + gaussian(rand) * cores * 0.3);
        load = load * damp + runnable * (1 - damp);
        out[i] = round(load, 2);
      }
      return { name, type: "gauge", unit: "", startMs, stepMs, values: out };
    }
    case "ratio": {
      // A cache hit ratio computed by division: full-precision doubles in (0, 1).
      let hits = 1e6 * (1 + rand());
      let misses = 1e4 * (1 + rand());
      for (let i = 0; i < count; i++) {
        hits += 1000 + rand() * 1000;
        misses += rand() * 40;
        out[i] = hits / (hits + misses);
      }
      return { name, type: "gauge", unit: "", startMs, stepMs, values: out };
    }
  }
}

export type DataPlan = { days: number; collectorDays: number; metrics: number; randomWalk: boolean };

/** All datasets, ending at `endMs` (whole seconds; the newest point of every series is at endMs). */
export function generate(plan: DataPlan, endMs: number): Dataset[] {
  const hz = 1000;
  const n1 = Math.round((plan.days * DAY_MS) / hz);
  const start1 = endMs - (n1 - 1) * hz;
  const out: Dataset[] = [
    {
      key: "gauge-1hz",
      label: `1 gauge at 1 Hz × ${plan.days} d, 2 decimals`,
      series: [
        {
          name: "room_temperature",
          type: "gauge",
          unit: "°C",
          startMs: start1,
          stepMs: hz,
          values: temperature(n1, start1, hz),
        },
      ],
      points: n1,
    },
  ];
  if (plan.randomWalk)
    out.push({
      key: "walk-1hz",
      label: `1 gauge at 1 Hz × ${plan.days} d, full-precision random walk`,
      series: [
        { name: "random_walk", type: "gauge", unit: "", startMs: start1, stepMs: hz, values: randomWalk(n1) },
      ],
      points: n1,
    });
  const step = 10_000;
  const n2 = Math.round((plan.collectorDays * DAY_MS) / step);
  const start2 = endMs - (n2 - 1) * step;
  const series = Array.from({ length: plan.metrics }, (_, i) => collectorSeries(i, n2, start2, step));
  out.push({
    key: "collector",
    label: `${plan.metrics} collector metrics at 10 s × ${plan.collectorDays} d`,
    series,
    points: n2 * plan.metrics,
  });
  return out;
}

/** Exactly how both sides print a value: the shortest text that parses back to the same double. */
export const valueText = (v: number) => String(v);
