// Owns the chaos benchmark's figures: per-client scores summed into totals, latency percentiles,
// and the markdown printed at the end (Socket.IO as the baseline the ratios are taken against).
import type { IngestStats } from "./ingest.ts";
import type { ChaosOptions, ChaosTarget, ClientScore, Reconnect } from "./types.ts";

export type Percentiles = { count: number; p50: number; p95: number; p99: number; max: number };

export type ChaosReport = {
  target: ChaosTarget;
  nodeNote: string;
  ready: number;
  committed: number;
  totals: {
    expected: number;
    delivered: number;
    deliveredPct: number;
    missing: number;
    duplicated: number;
    outOfOrder: number;
    wrongValue: number;
    extra: number;
    unrecovered: number;
    cuts: number;
    reconnects: number;
    handovers: number;
    clientsMissing: number;
    clientsDuplicated: number;
    clientsOutOfOrder: number;
    maxMissingPerClient: number;
  };
  missingByPhase: Record<string, number>;
  reconnectMs: Percentiles;
  /** Reconnects by cause ("cut", "close 1012", …) and by attempts taken (1, 2, 3+). */
  reconnectsBy: Record<string, Percentiles>;
  replayMs: Percentiles;
  recoveryMs: Percentiles;
  ingest: IngestStats;
  events: string[];
  behindAfterDrain: number;
  loadAverage?: { before: number[]; after: number[] };
  clients: ClientScore[];
};

export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { count: s.length, p50: at(50), p95: at(95), p99: at(99), max: s.at(-1) ?? Number.NaN };
}

/** A SIGTERM of the rolling restart: which node, and when it was sent (wall clock). */
export type Stop = { name: string; wall: number };

function reconnectsBy(all: Reconnect[], stops: Stop[]): Record<string, Percentiles> {
  const groups = new Map<string, number[]>();
  const add = (key: string, ms: number) => {
    const list = groups.get(key);
    if (list) list.push(ms);
    else groups.set(key, [ms]);
  };
  // Where the slowest 5 % spend their time: backoff, the upgrade (proxy + node) or auth → open.
  const tail = percentiles(all.map((r) => r.ms)).p95;
  for (const r of all) {
    add(`cause: ${r.cause}`, r.ms);
    add(`attempts: ${r.attempts >= 3 ? "3+" : r.attempts}`, r.ms);
    if (!r.phases) continue;
    const slow = r.ms >= tail ? "slowest 5%, " : "";
    add(`${slow}phase: backoff`, r.phases.backoffMs);
    add(`${slow}phase: upgrade`, r.phases.upgradeMs);
    add(`${slow}phase: auth → open`, r.phases.authMs);
    add(`cause: ${r.cause}, phase: backoff`, r.phases.backoffMs);
    // Each hand-over of the rolling restart on its own: the second goes to a node just started.
    if (r.cause === "close 1012" && r.lostAtWall !== undefined) {
      const stop = stops.filter((s) => s.wall <= r.lostAtWall!).at(-1);
      if (stop) {
        add(`1012 after ${stop.name}`, r.ms);
        add(`1012 after ${stop.name}, phase: upgrade`, r.phases.upgradeMs);
      }
    }
  }
  return Object.fromEntries([...groups].sort().map(([k, v]) => [k, percentiles(v)]));
}

export function summarize(r: {
  target: ChaosTarget;
  nodeNote: string;
  clients: ClientScore[];
  ready: number;
  reconnects: Reconnect[];
  replayMs: number[];
  recoveryMs: number[];
  ingest: IngestStats;
  committed: number;
  events: string[];
  behindAfterDrain: number;
  stops?: Stop[];
}): ChaosReport {
  const sum = (f: (c: ClientScore) => number) => r.clients.reduce((s, c) => s + f(c), 0);
  const count = (f: (c: ClientScore) => boolean) => r.clients.filter(f).length;
  const expected = sum((c) => c.expected);
  const missing = sum((c) => c.missing);
  const missingByPhase: Record<string, number> = {};
  for (const c of r.clients)
    for (const [phase, n] of Object.entries(c.missingByPhase))
      missingByPhase[phase] = (missingByPhase[phase] ?? 0) + n;
  return {
    target: r.target,
    nodeNote: r.nodeNote,
    ready: r.ready,
    committed: r.committed,
    totals: {
      expected,
      delivered: expected - missing,
      deliveredPct: expected === 0 ? Number.NaN : ((expected - missing) / expected) * 100,
      missing,
      duplicated: sum((c) => c.duplicated),
      outOfOrder: sum((c) => c.outOfOrder),
      wrongValue: sum((c) => c.wrongValue),
      extra: sum((c) => c.extra),
      unrecovered: sum((c) => c.unrecovered),
      cuts: sum((c) => c.cuts),
      reconnects: sum((c) => c.reconnects),
      handovers: sum((c) => c.handovers),
      clientsMissing: count((c) => c.missing > 0),
      clientsDuplicated: count((c) => c.duplicated > 0),
      clientsOutOfOrder: count((c) => c.outOfOrder > 0),
      maxMissingPerClient: Math.max(0, ...r.clients.map((c) => c.missing)),
    },
    missingByPhase,
    reconnectMs: percentiles(r.reconnects.map((x) => x.ms)),
    reconnectsBy: reconnectsBy(r.reconnects, r.stops ?? []),
    replayMs: percentiles(r.replayMs),
    recoveryMs: percentiles(r.recoveryMs),
    ingest: r.ingest,
    events: r.events,
    behindAfterDrain: r.behindAfterDrain,
    clients: r.clients,
  };
}

const ms = (v: number) => (Number.isNaN(v) ? "–" : v < 10 ? v.toFixed(1) : String(Math.round(v)));
const ratio = (a: number, b: number) =>
  Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "–" : `${(a / b).toFixed(2)}×`;

export function printChaosReport(
  reports: ChaosReport[],
  opts: ChaosOptions,
  started: Date,
  command: string,
): void {
  const base = reports.find((r) => r.target === "socketio");
  const out: string[] = [];
  out.push(
    `\n### Chaos: ${opts.clients} clients, ${opts.seconds} s, ${opts.rate} points/s over ${opts.dashboards} dashboards (${Math.round(opts.backdated * 100)}% back-dated), cuts every ${opts.cutMeanS} s on average — run started ${started.toISOString().slice(0, 16).replace("T", " ")} UTC\n`,
  );
  out.push(`\`${command}\`\n`);
  for (const r of reports) {
    const l = r.loadAverage;
    out.push(
      `- ${r.target}: ${r.nodeNote}; ${r.ready} clients ready; ${r.committed} points committed (${r.ingest.accepted} of ${r.ingest.sent} acknowledged, ${r.ingest.failed} failed${r.ingest.firstError ? `: ${r.ingest.firstError}` : ""}); load average ${l ? `${l.before.map((v) => v.toFixed(1)).join(" ")} → ${l.after.map((v) => v.toFixed(1)).join(" ")}` : "?"}; ${r.behindAfterDrain} clients behind after the drain`,
    );
  }
  out.push("");
  const head = ["figure", "goal", ...reports.map((r) => r.target)];
  if (base) head.push("Pulseboard vs Socket.IO");
  out.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
  const pb = reports.find((r) => r.target === "pulseboard");
  const row = (name: string, goal: string, f: (r: ChaosReport) => number, fmt: (v: number) => string) => {
    const cells = [name, goal, ...reports.map((r) => fmt(f(r)))];
    if (base) cells.push(pb ? ratio(f(pb), f(base)) : "–");
    out.push(`| ${cells.join(" | ")} |`);
  };
  const int = (v: number) => v.toLocaleString("en-US");
  row(
    "delivered (of expected)",
    "100%",
    (r) => r.totals.deliveredPct,
    (v) => `${v.toFixed(3)}%`,
  );
  row("missing points (all clients)", "0", (r) => r.totals.missing, int);
  row("clients missing any", "0", (r) => r.totals.clientsMissing, int);
  row("most missing for one client", "0", (r) => r.totals.maxMissingPerClient, int);
  row("duplicated", "0", (r) => r.totals.duplicated, int);
  row("out of order", "0", (r) => r.totals.outOfOrder, int);
  row("wrong value for its offset", "0", (r) => r.totals.wrongValue, int);
  row("missing during the rolling restart", "0", (r) => r.missingByPhase["rolling restart"] ?? 0, int);
  row("unrecovered reconnects (gap / recovered false)", "", (r) => r.totals.unrecovered, int);
  row("socket cuts", "", (r) => r.totals.cuts, int);
  row("reconnects", "", (r) => r.totals.reconnects, int);
  row("hand-overs on `draining` (never offline, not in the reconnects)", "", (r) => r.totals.handovers, int);
  row("reconnect p50 ms (lost → open)", "", (r) => r.reconnectMs.p50, ms);
  row("reconnect p95 ms", "< 2000", (r) => r.reconnectMs.p95, ms);
  row("reconnect p99 ms", "", (r) => r.reconnectMs.p99, ms);
  row("replay p99 ms (open → resumed)", "< 1000", (r) => r.replayMs.p99, ms);
  row("recovery p99 ms (lost → replay complete)", "", (r) => r.recoveryMs.p99, ms);
  out.push("");
  for (const r of reports) {
    const phases = Object.entries(r.missingByPhase)
      .map(([p, n]) => `${p} ${n}`)
      .join(", ");
    out.push(`- ${r.target} missing by phase sent in: ${phases || "none"}; timeline: ${r.events.join("; ")}`);
    const by = Object.entries(r.reconnectsBy)
      .map(([k, p]) => `${k} ×${p.count} p50 ${ms(p.p50)} p95 ${ms(p.p95)} max ${ms(p.max)}`)
      .join("; ");
    out.push(`- ${r.target} reconnects by ${by || "–"}`);
    const errors = r.clients.filter((c) => c.errors > 0);
    if (errors.length > 0)
      out.push(`- ${r.target}: ${errors.length} clients got error frames, e.g. ${errors[0]!.firstError}`);
    const stuck = r.clients.filter((c) => c.missing > 0).slice(0, 5);
    if (stuck.length > 0)
      out.push(
        `- ${r.target} clients missing points (first 5): ${stuck.map((c) => `#${c.index} missing ${c.missing} of ${c.expected}, ${c.reconnects} reconnects, ${c.finalState}`).join("; ")}`,
      );
  }
  console.log(out.join("\n"));
}
