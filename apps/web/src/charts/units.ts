// How a number is written for people, chosen from the metric's unit: IEC bytes (KiB, MiB…) for
// byte counts and byte rates, SI for bits and everything else (k, M, G), durations in the unit
// that reads best (µs … h), percentages as is. One module so that an axis label, a tooltip, a
// legend, a stat panel and an alert all write the same quantity the same way.

type Kind =
  | { kind: "bytes"; rate: string }
  | { kind: "bits"; rate: string }
  | { kind: "duration"; seconds: number }
  | { kind: "percent" }
  | { kind: "plain"; unit: string };

const DURATIONS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  sec: 1,
  seconds: 1,
  min: 60,
  h: 3600,
};

const kinds = new Map<string, Kind>();

/** What a unit string measures. "B/s", "bytes/s" and "Bps" are byte rates; "b/s", "bps" bit rates. */
export function unitKind(unit: string): Kind {
  let kind = kinds.get(unit);
  if (!kind) {
    kind = readUnit(unit);
    // Units are few (one per metric); the cache keeps regexes off the per-frame path.
    if (kinds.size < 1000) kinds.set(unit, kind);
  }
  return kind;
}

function readUnit(unit: string): Kind {
  const u = unit.trim();
  if (u === "%") return { kind: "percent" };
  const rate = /^(.*?)(\/s|ps)$/.exec(u);
  const base = rate ? (rate[1] as string) : u;
  const suffix = rate ? "/s" : "";
  if (/^(B|bytes?|octets?)$/.test(base)) return { kind: "bytes", rate: suffix };
  if (/^(b|bits?)$/.test(base)) return { kind: "bits", rate: suffix };
  if (!rate && u in DURATIONS) return { kind: "duration", seconds: DURATIONS[u] as number };
  return { kind: "plain", unit: u };
}

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
const SI = ["", "k", "M", "G", "T", "P"];

/** [divisor, prefix] so the scaled |v| lands in [1, base). */
function scaled(abs: number, base: number, names: string[]): [number, string] {
  let i = 0;
  let div = 1;
  while (i < names.length - 1 && abs >= div * base) {
    div *= base;
    i++;
  }
  return [div, names[i] as string];
}

/** The divisor and the label suffix for a value of this size (e.g. [1048576, " MiB/s"]). */
function scaleFor(abs: number, unit: string, exact: boolean): [number, string] {
  const k = unitKind(unit);
  switch (k.kind) {
    case "percent":
      return [1, "%"];
    case "bytes": {
      const [d, p] = scaled(abs, 1024, IEC);
      return [d, ` ${p}${k.rate}`];
    }
    case "bits": {
      const [d, p] = scaled(abs, 1000, SI);
      return [d, ` ${p}b${k.rate}`];
    }
    case "duration": {
      const s = abs * k.seconds;
      // An exact reading keeps milliseconds up to 10 s ("1,000 ms", as an alert threshold was typed).
      if (s === 0) return [1, ` ${unit}`];
      if (s < 1e-3) return [1e-6 / k.seconds, " µs"];
      if (s < 1 || (exact && s < 10 && k.seconds <= 1e-3)) return [1e-3 / k.seconds, " ms"];
      if (s < 120) return [1 / k.seconds, " s"];
      if (s < 7200) return [60 / k.seconds, " min"];
      return [3600 / k.seconds, " h"];
    }
    default: {
      // A reading keeps its digits up to 10,000 ("1,234 jobs"); beyond, k/M/G.
      if (exact && abs < 1e6) return [1, k.unit ? ` ${k.unit}` : ""];
      const [d, p] = abs >= 1e4 ? scaled(abs, 1000, SI) : [1, ""];
      return [d, k.unit ? `${p} ${k.unit}` : p];
    }
  }
}

/**
 * A reading (card value, tooltip, legend, stat): "43.75 ms", "10.29 MiB/s", "61.5%", "1,234 jobs".
 * Two decimals at most; whole numbers without.
 */
export function formatValue(value: number | undefined | null, unit: string): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return "–";
  const [div, suffix] = scaleFor(Math.abs(value), unit, true);
  const v = value / div;
  const abs = Math.abs(v);
  const digits = div === 1 && (abs >= 1000 || Number.isInteger(v)) ? 0 : abs >= 100 ? 1 : 2;
  const text = v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return `${text}${suffix}`;
}

/**
 * An axis label: scaled by the unit, and as many decimals as the tick step `incr` needs so that
 * neighbouring labels never read the same ("2.42, 2.44", not "2.4, 2.4"; "132.5k" next to "130k").
 * `ref` is the largest |value| on the axis, so every label of one axis shares one scale.
 */
export function formatTick(v: number, unit: string, incr = 0, ref = Math.abs(v)): string {
  const [div, suffix] = tickScale(ref, unit);
  const step = incr / div;
  let decimals = 0;
  if (step > 0)
    while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6)
      decimals++;
  else decimals = div === 1 && Number.isInteger(v) ? 0 : Math.abs(v / div) < 1 ? 2 : 1;
  return `${Number((v / div).toFixed(decimals))}${suffix}`;
}

/** Axis labels are short: "15 MiB/s", "1.5M", "40%"; a plain unit is left to the axis title. */
function tickScale(abs: number, unit: string): [number, string] {
  const k = unitKind(unit);
  if (k.kind === "plain") {
    const [d, p] = abs >= 1e4 ? scaled(abs, 1000, SI) : [1, ""];
    return [d, p];
  }
  return scaleFor(abs, unit, false);
}

/**
 * Tick steps for an axis of this unit: powers of 1024 times 1, 2, 5 for bytes (so a byte axis reads
 * "100 KiB/s, 200 KiB/s", not "97.66 KiB/s"), uPlot's decimal steps (undefined) for the rest.
 */
export function axisIncrs(unit: string): number[] | undefined {
  if (unitKind(unit).kind !== "bytes") return undefined;
  const out: number[] = [];
  for (let k = 0; k < 6; k++) for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) out.push(m * 1024 ** k);
  return out;
}
