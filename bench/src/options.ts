// Owns the benchmark's command-line options: which servers, how many clients, which publish
// rates, and how long each step runs. `--quick` shrinks everything for a smoke run. `--storage`
// selects the storage benchmark instead (bench/src/storage), with its own `--storage-*` options.

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
  /** Set by --storage: run the storage benchmark instead of the fan-out ladder. */
  storage: StorageOptions | undefined;
  /** Which sections run: the rate ladder, the connect storm, the idle connections, ingest (ingest.ts). */
  sections: Section[];
  /** Storm: clients connecting at once, live clients meanwhile and their publish rate (posts/s). */
  storm: number;
  stormLive: number;
  stormRate: number;
  /** Idle: connections held by one server process (load generators in several processes). */
  idle: number;
  ingest: { seconds: number; clients: number; fanoutRate: number; senders: number; p99LimitMs: number };
};

export type StorageOptions = {
  /** Span of the 1 Hz gauges (30 days by default), ending now. */
  days: number;
  /** Span of the collector-like metrics: min(7, days) days. */
  collectorDays: number;
  /** How many collector-like metrics at 10 s. */
  metrics: number;
  /** Also store the full-precision random-walk 1 Hz gauge (a second 1 Hz series). */
  randomWalk: boolean;
  db: "sqlite" | "postgres";
  /** Timed repetitions of each range query (after one warm-up). */
  reps: number;
  /** Seconds of the quiet live phase before the heavy reads. */
  quietSeconds: number;
  /** Replace this run's block in the Storage section of docs/BENCHMARKS.md. */
  writeDoc: boolean;
  /** Profile the Pulseboard server child with --cpu-prof into this directory (`--cpu-prof dir`). */
  cpuProf: string | undefined;
  /** Wait for Prometheus to compact the backfilled 2 h blocks before measuring it. */
  promCompact: boolean;
  quick: boolean;
  /** Render the report of a saved run (an --out file) instead of running. */
  report: string | undefined;
};

export type Section = "ladder" | "storm" | "idle" | "ingest";
const SECTIONS: Section[] = ["ladder", "storm", "idle", "ingest"];

const TARGETS: Target[] = ["pulseboard", "preframed", "ws", "socketio"];
const FLAGS = [
  "quick",
  "full",
  "help",
  "storage",
  "storage-quick",
  "storage-no-random-walk",
  "storage-write-doc",
  "storage-no-compact",
  "ingest-only",
  "no-ingest",
];

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
    if (FLAGS.includes(key)) flags.add(key);
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
        "                 [--ingest-only | --no-ingest] [--ingest-seconds 5] [--ingest-senders 4] [--ingest-fanout-rate 50]",
        "                 [--sections ladder,storm,idle,ingest] [--storm 10000] [--storm-live 1000] [--storm-rate 20] [--idle 19000]",
        "--rates are HTTP posts/s at 1,000 clients unless given explicitly (then used for every client count).",
        "",
        "npm run bench -- --storage [--storage-quick] [--storage-days 30] [--storage-metrics 100] [--storage-db sqlite|postgres]",
        "                 [--storage-reps 20] [--storage-no-random-walk] [--storage-no-compact] [--storage-write-doc] [--out results.json]",
        "--storage: stores the same data in Pulseboard (via POST /api/v1/ingest) and Prometheus 2.42 (promtool backfill)",
        "  and compares bytes/point, range-query times, ingest points/s, export points/s, and the server's event loop,",
        "  /api/v1/health and live-update latency while 100 WebSocket clients watch heavy reads (15–20 min; quick ~1.5 min).",
        "  --storage-quick: 2 days, 10 collector metrics, 5 repetitions. --storage-days: span of the 1 Hz gauges (the",
        "  collector metrics span min(7, days)). --storage-write-doc: replace this configuration's block in docs/BENCHMARKS.md.",
        "  --storage-no-compact: measure Prometheus as backfilled (2 h blocks) instead of waiting for its compaction.",
        "  --storage-report results.json [--storage-write-doc]: render a saved run (an --out file) again, without running.",
        "",
        "npm run bench -- --chaos --help: the exact-delivery chaos benchmark (bench/src/chaos), Pulseboard vs Socket.IO.",
        "The ingest section stores samples through remote_write, line protocol, OTLP and JSON with 1,000 fan-out clients meanwhile.",
      ].join("\n"),
    );
    process.exit(0);
  }
  const quick = flags.has("quick");
  const env = process.env;
  const storage =
    flags.has("storage") || flags.has("storage-quick") || args.has("storage-report")
      ? storageOptions(args, flags)
      : undefined;
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
  // --ingest-only / --no-ingest are shorthands for --sections ingest / every section but ingest.
  const defaultSections = flags.has("ingest-only")
    ? ["ingest"]
    : SECTIONS.filter((t) => t !== "ingest" || !flags.has("no-ingest"));
  const sections = (args.get("sections") ?? defaultSections.join(","))
    .split(",")
    .map((t) => t.trim()) as Section[];
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
    storage,
    sections,
    storm: Number(args.get("storm") ?? (quick ? 500 : 10_000)),
    stormLive: Number(args.get("storm-live") ?? (quick ? 100 : 1000)),
    stormRate: Number(args.get("storm-rate") ?? 20),
    idle,
    ingest: {
      seconds: Number(args.get("ingest-seconds") ?? (flags.has("quick") ? 2 : 5)),
      clients: 1000,
      fanoutRate: Number(args.get("ingest-fanout-rate") ?? 50),
      senders: Number(args.get("ingest-senders") ?? 4),
      p99LimitMs,
    },
  };
}

function positive(value: string, what: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > max)
    throw new Error(`${what}: "${value}" must be an integer from 1 to ${max}`);
  return n;
}

function storageOptions(args: Map<string, string>, flags: Set<string>): StorageOptions {
  const quick = flags.has("storage-quick");
  const days = positive(args.get("storage-days") ?? (quick ? "2" : "30"), "--storage-days", 90);
  const db = args.get("storage-db") ?? "sqlite";
  if (db !== "sqlite" && db !== "postgres")
    throw new Error(`--storage-db: "${db}" is not sqlite or postgres`);
  return {
    days,
    collectorDays: Math.min(7, days),
    metrics: positive(args.get("storage-metrics") ?? (quick ? "10" : "100"), "--storage-metrics", 1000),
    randomWalk: !flags.has("storage-no-random-walk"),
    db,
    reps: positive(args.get("storage-reps") ?? (quick ? "5" : "20"), "--storage-reps", 1000),
    quietSeconds: quick ? 3 : 5,
    writeDoc: flags.has("storage-write-doc"),
    promCompact: !flags.has("storage-no-compact"),
    cpuProf: args.get("cpu-prof"),
    quick,
    report: args.get("storage-report"),
  };
}
