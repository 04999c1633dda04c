// Owns the chaos benchmark's command-line options (`npm run bench -- --chaos --chaos-*`).
import type { ChaosOptions, ChaosTarget } from "./types.ts";

const TARGETS: ChaosTarget[] = ["pulseboard", "socketio"];

export const CHAOS_HELP = [
  "npm run bench -- --chaos [--chaos-clients 1000] [--chaos-seconds 120] [--chaos-procs 2] [--chaos-dashboards 10]",
  "                 [--chaos-rate 100] [--chaos-backdated 0.1] [--chaos-cut-mean 15] [--chaos-drain 60]",
  "                 [--chaos-targets pulseboard,socketio] [--chaos-start bundle|tsx] [--out results.json]",
  "--chaos: two nodes behind nginx (Pulseboard on PostgreSQL + Redis; Socket.IO 4.8 with connection state",
  "  recovery and the Redis Streams adapter), N SDK clients whose sockets are cut at random (mean every",
  "  --chaos-cut-mean s) while --chaos-rate points/s are ingested; one node is killed with kill -9 and",
  "  restarted a third of the way in, then both get a rolling restart (SIGTERM, start). Reports missing,",
  "  duplicated and out-of-order points per client against what was committed, reconnect and replay times.",
  "  The rolling restart waits for each restarted node's /api/v1/ready before it stops the next one.",
  "--chaos-start: Pulseboard nodes run through tsx (default, as `npm start` does: every module through tsx's",
  "  loader, seconds of CPU per start) or from the specs' esbuild bundle of main.ts (the same sources).",
].join("\n");

export function parseChaosOptions(argv: string[]): ChaosOptions {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--chaos-") && arg !== "--out") continue;
    const [key, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    args.set(key, value);
  }
  const num = (key: string, fallback: number, min: number, max: number, integer = true) => {
    const raw = args.get(key);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
      throw new Error(
        `--${key}: "${raw}" must be ${integer ? "an integer" : "a number"} from ${min} to ${max}`,
      );
    return n;
  };
  const targets = (args.get("chaos-targets") ?? TARGETS.join(",")).split(",").map((t) => t.trim());
  for (const t of targets)
    if (!TARGETS.includes(t as ChaosTarget))
      throw new Error(`--chaos-targets: unknown "${t}" (known: ${TARGETS.join(", ")})`);
  const clients = num("chaos-clients", 1000, 1, 15_000);
  // nginx (test-support) has 4,096 connections per worker: two per proxied client.
  if (clients > 2000)
    throw new Error("--chaos-clients: at most 2,000 through the test nginx (4,096 worker connections)");
  const procs = num("chaos-procs", Math.min(4, Math.max(1, Math.ceil(clients / 500))), 1, 16);
  const start = args.get("chaos-start") ?? "tsx";
  if (start !== "bundle" && start !== "tsx")
    throw new Error(`--chaos-start: "${start}" must be bundle or tsx`);
  return {
    targets: targets as ChaosTarget[],
    start,
    clients,
    seconds: num("chaos-seconds", 120, 10, 3600),
    procs: Math.min(procs, clients),
    dashboards: num("chaos-dashboards", 10, 1, 1000),
    rate: num("chaos-rate", 100, 1, 10_000),
    backdated: num("chaos-backdated", 0.1, 0, 1, false),
    cutMeanS: num("chaos-cut-mean", 15, 0.5, 3600, false),
    drainS: num("chaos-drain", 60, 1, 600),
    out: args.get("out"),
  };
}
