// Owns the benchmark's command-line options: which servers, how many clients, which publish
// rates, and how long each step runs. `--quick` shrinks everything for a smoke run.

export type Target = "pulseboard" | "preframed" | "ws" | "socketio";

export type Options = {
  targets: Target[];
  clients: number[];
  /** Publish rates (HTTP posts/s, one point each) per client count; rising, stop at first failure. */
  rates: (clients: number) => number[];
  stepSeconds: number;
  /** Goal thresholds that make a step "sustained". */
  p99LimitMs: number;
  /** Source addresses 127.0.0.2… used round-robin by the load generator. */
  sourceAddresses: number;
  /** Write the raw results here (JSON) besides printing the table. */
  out: string | undefined;
  /** Profile the server child with --cpu-prof into this directory. */
  cpuProf: string | undefined;
  /** Keep stepping even after a step fails (to see the whole curve). */
  full: boolean;
  /** Which sections run: the rate ladder, the connect storm, the idle connections. */
  sections: Section[];
  /** Storm: clients connecting at once, live clients meanwhile and their publish rate (posts/s). */
  storm: number;
  stormLive: number;
  stormRate: number;
  /** Idle: connections held by one server process (load generators in several processes). */
  idle: number;
};

export type Section = "ladder" | "storm" | "idle";
const SECTIONS: Section[] = ["ladder", "storm", "idle"];

const TARGETS: Target[] = ["pulseboard", "preframed", "ws", "socketio"];

function list(value: string, what: string): number[] {
  const out = value.split(",").map((s) => Number(s.trim()));
  for (const n of out)
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`${what}: "${value}" is not a list of positive integers`);
  return out;
}

function defaultRates(clients: number, quick: boolean): number[] {
  // Offered deliveries/s = rate × clients; the ladder spans from trivially easy to well past
  // what two shared cores can deliver, so every target finds its ceiling.
  // Geometric ×1.5 steps keep the measured ceiling within 50% of the true one.
  const base = quick ? [20, 100, 400] : [10, 15, 22, 33, 50, 75, 110, 170, 250, 380, 570, 850, 1300, 2000];
  const scale = 1000 / clients;
  // Fractional posts/s are fine (the publisher spaces posts evenly); duplicates are dropped.
  return [...new Set(base.map((r) => Math.max(0.5, Math.round(r * scale * 10) / 10)))];
}

export function parseOptions(argv: string[]): Options {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--"))
      throw new Error(`unexpected argument "${arg}" (options look like --clients 1000)`);
    const [key, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (["quick", "full", "help"].includes(key)) flags.add(key);
    else if (inline !== undefined) args.set(key, inline);
    else {
      const next = argv[++i];
      if (next === undefined) throw new Error(`--${key} needs a value`);
      args.set(key, next);
    }
  }
  if (flags.has("help")) {
    console.log(
      [
        "npm run bench -- [--quick] [--clients 1000,10000] [--rates 10,50,100] [--targets pulseboard,ws,socketio]",
        "                 [--step-seconds 5] [--p99 250] [--out results.json] [--cpu-prof dir] [--full]",
        "                 [--sections ladder,storm,idle] [--storm 10000] [--storm-live 1000] [--storm-rate 20] [--idle 19000]",
        "--rates are HTTP posts/s at 1,000 clients unless given explicitly (then used for every client count).",
      ].join("\n"),
    );
    process.exit(0);
  }
  const quick = flags.has("quick");
  const env = process.env;
  const targets = (args.get("targets") ?? env.BENCH_TARGETS ?? TARGETS.join(","))
    .split(",")
    .map((t) => t.trim());
  for (const t of targets)
    if (!TARGETS.includes(t as Target))
      throw new Error(`unknown target "${t}" (known: ${TARGETS.join(", ")})`);
  const clients = list(
    args.get("clients") ?? env.BENCH_CLIENTS ?? (quick ? "200" : "1000,10000"),
    "--clients",
  );
  for (const n of clients)
    if (n > 15_000)
      throw new Error(
        "--clients: at most 15,000 per run (the load generator and server each need one fd per client)",
      );
  const explicitRates = args.get("rates") ?? env.BENCH_RATES;
  const rates = explicitRates ? () => list(explicitRates, "--rates") : (n: number) => defaultRates(n, quick);
  const stepSeconds = Number(args.get("step-seconds") ?? env.BENCH_STEP_SECONDS ?? (quick ? 2 : 5));
  if (!(stepSeconds > 0 && stepSeconds <= 120)) throw new Error("--step-seconds must be in (0, 120]");
  const p99LimitMs = Number(args.get("p99") ?? 250);
  const sections = (args.get("sections") ?? SECTIONS.join(",")).split(",").map((t) => t.trim()) as Section[];
  for (const t of sections)
    if (!SECTIONS.includes(t)) throw new Error(`unknown section "${t}" (known: ${SECTIONS.join(", ")})`);
  const idle = Number(args.get("idle") ?? (quick ? 1000 : 19_000));
  if (!(Number.isInteger(idle) && idle > 0 && idle <= 19_000))
    throw new Error("--idle: 1 to 19,000 connections (the server needs one fd per connection, limit 20,000)");
  return {
    targets: targets as Target[],
    clients,
    rates,
    stepSeconds,
    p99LimitMs,
    sourceAddresses: Number(args.get("source-addresses") ?? 8),
    out: args.get("out") ?? env.BENCH_OUT,
    cpuProf: args.get("cpu-prof"),
    full: flags.has("full"),
    sections,
    storm: Number(args.get("storm") ?? (quick ? 500 : 10_000)),
    stormLive: Number(args.get("storm-live") ?? (quick ? 100 : 1000)),
    stormRate: Number(args.get("storm-rate") ?? 20),
    idle,
  };
}
