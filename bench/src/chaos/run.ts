// `npm run bench -- --chaos`: exact delivery under chaos (issue 11, item 5). For each target,
// two real nodes behind Debian's nginx — Pulseboard (main.ts) on PostgreSQL + Redis, then the
// baseline Socket.IO 4.8 with connection state recovery and its Redis Streams adapter — and N
// clients on the real SDKs in load children. While points are ingested (10% back-dated) every
// client's socket is cut at random moments; a third of the way in node 1 is killed with kill -9
// and restarted, at two thirds both nodes get a rolling restart (SIGTERM, start). Afterwards
// every client's deliveries are scored against what was committed (Pulseboard: read back from
// PostgreSQL, offsets and values; Socket.IO: the acknowledged publishes, by sequence number).
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type NginxHandle, startNginx, startPostgres, startRedis } from "@pulseboard/test-support";
import {
  startTestApp,
  storedPoints,
  type TestApp,
  type TestDatabase,
} from "../../../apps/server/test/harness.ts";
import { type Child, startChild } from "../children.ts";
import { startIngest } from "./ingest.ts";
import { type Nodes, twoNodes } from "./nodes.ts";
import { CHAOS_HELP, parseChaosOptions } from "./options.ts";
import { type ChaosReport, printChaosReport, type Stop, summarize } from "./report.ts";
import type {
  ChaosOptions,
  ChaosTarget,
  ClientScore,
  Committed,
  FromLoad,
  PhaseMark,
  Stream,
} from "./types.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Scored = Extract<FromLoad, { type: "scored" }>;

/** Clients per user: a node takes at most 200 WebSockets of one user (PULSEBOARD_WS_MAX_PER_USER). */
const CLIENTS_PER_USER = 50;

async function setupPulseboard(
  pgUrl: string,
  dashboards: number,
  clients: number,
): Promise<{ app: TestApp; db: TestDatabase; tokens: string[]; streams: Stream[] }> {
  const db: TestDatabase = {
    kind: "postgres",
    databaseUrl: pgUrl,
    dataDir: mkdtempSync(join(tmpdir(), "pb-chaos-")),
    env: { DATABASE_URL: pgUrl },
    destroy: async () => {},
  };
  // An in-process app on the same database: it migrates, creates the fixtures, and at the end
  // reads back what storage committed the way the server reads it.
  const app = await startTestApp("postgres", { database: db, config: { seedDemo: false } });
  const tokens: string[] = [];
  for (let u = 0; u < Math.ceil(clients / CLIENTS_PER_USER); u++) {
    await app.createUser(`chaos${u}`);
    tokens.push(await app.createToken(`chaos${u}`));
  }
  const token = tokens[0]!;
  const streams: Stream[] = [];
  for (let i = 0; i < dashboards; i++) {
    const d = await app.api("POST", "/api/v1/dashboards", { token, body: { name: `Chaos ${i}` } });
    const m = await app.api("POST", `/api/v1/dashboards/${d.body.id}/metrics`, {
      token,
      body: { name: "seq", type: "gauge" },
    });
    // Every user watches every dashboard.
    for (let u = 1; u < tokens.length; u++) await app.addMember(d.body.id, `chaos${u}`, "viewer", { token });
    streams.push({ dashboardId: d.body.id, metricId: m.body.id });
  }
  return { app, db, tokens, streams };
}

async function committedPulseboard(app: TestApp, streams: Stream[]): Promise<Committed[]> {
  const out: Committed[] = [];
  for (const s of streams) {
    const p = await storedPoints(app, s.metricId);
    const order = Array.from({ length: p.n }, (_, i) => i).sort((a, b) => p.offsets[a]! - p.offsets[b]!);
    out.push({ keys: order.map((i) => p.offsets[i]!), values: order.map((i) => p.values[i]!) });
  }
  return out;
}

async function runTarget(
  target: ChaosTarget,
  opts: ChaosOptions,
  pgUrl: string,
  log: (line: string) => void,
): Promise<ChaosReport> {
  const redis = await startRedis();
  let app: TestApp | undefined;
  let nodes: Nodes | undefined;
  let nginx: NginxHandle | undefined;
  const loads: Child[] = [];
  try {
    let tokens = [""];
    let streams: Stream[];
    let db: TestDatabase;
    if (target === "pulseboard") {
      const setup = await setupPulseboard(pgUrl, opts.dashboards, opts.clients);
      ({ app, tokens, streams, db } = setup);
    } else {
      streams = Array.from({ length: opts.dashboards }, (_, i) => ({ dashboardId: i + 1, metricId: 0 }));
      db = { kind: "postgres", databaseUrl: pgUrl, dataDir: tmpdir(), env: {}, destroy: async () => {} };
    }
    nodes = await twoNodes(target, { db, redisUrl: redis.url }, opts.start);
    nginx = await startNginx({ upstreams: nodes.ports.map((p) => `127.0.0.1:${p}`) });
    return await chaos(target, opts, { app, tokens, streams, nodes, nginx, loads }, log);
  } finally {
    for (const l of loads) if (l.proc.connected) l.proc.send({ type: "close" });
    await Promise.all(loads.map((l) => l.stop()));
    await nginx?.stop();
    await nodes?.stopAll();
    await app?.close();
    await redis.stop();
  }
}

async function chaos(
  target: ChaosTarget,
  opts: ChaosOptions,
  env: {
    app: TestApp | undefined;
    tokens: string[];
    streams: Stream[];
    nodes: Nodes;
    nginx: NginxHandle;
    loads: Child[];
  },
  log: (line: string) => void,
): Promise<ChaosReport> {
  const { app, tokens, streams, nodes, nginx, loads } = env;
  const events: string[] = [];
  const t0 = performance.now();
  const at = () => ((performance.now() - t0) / 1000).toFixed(1);
  const note = (what: string) => {
    events.push(`${at()} s ${what}`);
    log(`  ${target} ${at()} s: ${what}`);
  };
  // Connect every client before ingest starts: all of the run's points are expected.
  const per = Math.ceil(opts.clients / opts.procs);
  const started = await Promise.all(
    Array.from({ length: opts.procs }, (_, p) => {
      const first = p * per;
      const count = Math.max(0, Math.min(per, opts.clients - first));
      const child = startChild("chaos/load.ts");
      loads.push(child);
      return child.request<Extract<FromLoad, { type: "started" }>>(
        {
          type: "start",
          target,
          base: nginx.url,
          tokens,
          streams,
          first,
          count,
          cutMeanMs: opts.cutMeanS * 1000,
        },
        "started",
        600_000,
      );
    }),
  );
  const ok = started.reduce((s, r) => s + r.ok, 0);
  const failed = started.reduce((s, r) => s + r.failed, 0);
  log(
    `${target}: ${ok} clients ready in ${Math.max(...started.map((r) => r.ms))} ms${failed ? ` (${failed} failed: ${started.find((r) => r.firstError)?.firstError})` : ""}`,
  );

  const phases: PhaseMark[] = [];
  const ingest = startIngest(target, nodes, streams, {
    rate: opts.rate,
    backdated: opts.backdated,
    token: tokens[0]!,
  });
  const mark = (name: string) => {
    phases.push({ name, fromSeq: ingest.seq });
    note(name);
  };
  const chaos0 = performance.now();
  const until = async (fraction: number) => {
    const wait = chaos0 + fraction * opts.seconds * 1000 - performance.now();
    if (wait > 0) await sleep(wait);
  };
  await Promise.all(loads.map((l) => l.request({ type: "cuts", on: true }, "cuts-ack")));
  mark("steady");
  await until(1 / 3);
  mark("kill -9");
  await nodes.kill(1);
  note("node 1 killed (SIGKILL)");
  await sleep(2000);
  await nodes.start(1);
  note("node 1 started again");
  await until(0.5);
  mark("after kill");
  await until(2 / 3);
  mark("rolling restart");
  const stops: Stop[] = [];
  for (const i of [0, 1]) {
    stops.push({ name: `node ${i} stop`, wall: Date.now() });
    note(`node ${i} stopped (SIGTERM): ${await nodes.stop(i)}`);
    await nodes.start(i);
    note(`node ${i} started again`);
    // As a rolling update waits on the readiness probe: the next node stops once this one is ready.
    note(`node ${i} ready (/api/v1/ready 200 after ${await nodes.ready(i)} ms)`);
  }
  mark("after rolling");
  await until(1);
  await Promise.all(loads.map((l) => l.request({ type: "cuts", on: false }, "cuts-ack")));
  await ingest.stop();
  note(`ingest stopped: ${ingest.stats.accepted} of ${ingest.stats.sent} points acknowledged`);

  const committed =
    target === "pulseboard"
      ? await committedPulseboard(app!, streams)
      : ingest.acknowledged.map((seqs) => ({
          keys: [...seqs].sort((a, b) => a - b),
          values: [...seqs].sort((a, b) => a - b),
        }));
  // Drain: until every client delivered its stream's newest committed point (or the limit).
  const heads = committed.map((c) => c.keys.at(-1) ?? -1);
  const drain0 = performance.now();
  let behind = Number.POSITIVE_INFINITY;
  while (behind > 0 && performance.now() - drain0 < opts.drainS * 1000) {
    const answers = await Promise.all(
      loads.map((l) =>
        l.request<Extract<FromLoad, { type: "progress" }>>({ type: "progress", heads }, "progress"),
      ),
    );
    behind = answers.reduce((s, a) => s + a.behind, 0);
    if (behind > 0) await sleep(500);
  }
  note(`drained: ${behind} clients still behind the head`);
  const scored = await Promise.all(
    loads.map((l) => l.request<Scored>({ type: "score", committed, phases }, "scored", 300_000)),
  );
  const clients: ClientScore[] = scored.flatMap((s) => s.clients).sort((a, b) => a.index - b.index);
  return summarize({
    target,
    nodeNote:
      target === "pulseboard"
        ? "2 nodes (main.ts) on PostgreSQL 15 + Redis 7, behind nginx"
        : "2 nodes, Socket.IO 4.8 connectionStateRecovery + @socket.io/redis-streams-adapter on Redis 7, behind nginx",
    clients,
    ready: ok,
    reconnects: scored.flatMap((s) => s.reconnects),
    replayMs: scored.flatMap((s) => s.replayMs),
    recoveryMs: scored.flatMap((s) => s.recoveryMs),
    ingest: ingest.stats,
    committed: committed.reduce((s, c) => s + c.keys.length, 0),
    events,
    behindAfterDrain: behind,
    stops,
  });
}

export async function runChaos(opts: ChaosOptions, log: (line: string) => void): Promise<ChaosReport[]> {
  const pg = await startPostgres();
  const reports: ChaosReport[] = [];
  try {
    for (const target of opts.targets) {
      const load0 = loadavg();
      const report = await runTarget(target, opts, await pg.createDatabase(), log);
      report.loadAverage = { before: load0, after: loadavg() };
      reports.push(report);
    }
  } finally {
    await pg.destroy();
  }
  return reports;
}

export async function mainChaos(argv: string[]): Promise<void> {
  if (argv.includes("--help")) {
    console.log(CHAOS_HELP);
    return;
  }
  const opts = parseChaosOptions(argv);
  const started = new Date();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const reports = await runChaos(opts, log);
  printChaosReport(reports, opts, started, `npm run bench -- ${argv.join(" ")}`);
  if (opts.out) writeFileSync(opts.out, JSON.stringify({ started, argv, opts, reports }, null, 2));
}
