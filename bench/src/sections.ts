// Owns the benchmark's two sections besides the rate ladder. Storm: N clients connect at once
// (as after a deploy, against a freshly started server: cold caches), either all in the same
// instant or spread by the SDK's first reconnect delay (full jitter over `backoff.initialMs`),
// while already-connected live clients receive updates; reported: time until the last storm
// client is live, failures, server CPU, and the live clients' latency meanwhile. Idle: one server
// holds N connections from several load-generator processes; memory per idle connection.
import { defaultBackoff } from "../../packages/client/src/backoff.ts";
import { type Child, cpuMicros, startChild } from "./children.ts";
import type { FromLoadgen, LoadgenStats, ServerMemory, ServerReady } from "./ipc.ts";
import type { Options, Target } from "./options.ts";
import { publish } from "./publisher.ts";

type Connected = Extract<FromLoadgen, { type: "connected" }>;

export type StormResult = {
  target: Target;
  variant: "at once" | "SDK jitter";
  clients: number;
  connected: number;
  failed: number;
  firstError: string | undefined;
  /** Until the last storm client was live (authenticated, subscribed, answered). */
  ms: number;
  serverCpuMicrosPerConnect: number;
  live: { clients: number; rate: number; p50: number; p99: number; loss: number };
};

export type IdleResult = {
  target: Target;
  clients: number;
  connected: number;
  ms: number;
  memPerConnBytes: number;
  heapPerConnBytes: number;
  serverCpuMicrosPerConnect: number;
  note: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PER_LOADGEN = 9500; // each load generator process holds at most this many sockets

async function settledMemory(server: Child): Promise<ServerMemory> {
  await server.request<ServerMemory>({ type: "gc" }, "memory");
  await sleep(1000);
  return server.request<ServerMemory>({ type: "gc" }, "memory");
}

function connectMessage(ready: ServerReady, count: number, opts: Options, epoch: number, extra: object) {
  return {
    type: "connect",
    count,
    port: ready.port,
    path: ready.wsPath,
    headers: ready.wsHeaders,
    protocol: ready.protocol,
    metricId: ready.metricId,
    sourceAddresses: opts.sourceAddresses,
    epoch,
    ...extra,
  };
}

/** Connects `total` clients spread over enough load generators; resolves with their answers. */
async function connectMany(
  loadgens: Child[],
  ready: ServerReady,
  total: number,
  opts: Options,
  epoch: number,
  extra: { concurrency?: number; jitterMs?: number },
): Promise<{ ok: number; failed: number; firstError: string | undefined; ms: number }> {
  const share = Math.ceil(total / loadgens.length);
  const answers = await Promise.all(
    loadgens.map((lg, i) => {
      const count = Math.min(share, total - i * share);
      return lg.request<Connected>(
        connectMessage(ready, count, opts, epoch, { ...extra, addressOffset: i * share }),
        "connected",
        600_000,
      );
    }),
  );
  return {
    ok: answers.reduce((n, a) => n + a.ok, 0),
    failed: answers.reduce((n, a) => n + a.failed, 0),
    firstError: answers.find((a) => a.firstError)?.firstError,
    ms: Math.max(...answers.map((a) => a.ms)),
  };
}

async function stopAll(children: Child[]): Promise<void> {
  for (const c of children) if (c.proc.connected) c.proc.send({ type: "close" });
  await Promise.all(children.map((c) => c.stop()));
}

export async function runStorm(
  target: Target,
  script: string,
  variant: StormResult["variant"],
  opts: Options,
): Promise<StormResult> {
  const server = startChild(script, { nodeArgs: ["--expose-gc"], env: { LOG_LEVEL: "warn" } });
  const live = startChild("loadgen.ts");
  const storm = Array.from({ length: Math.ceil(opts.storm / PER_LOADGEN) }, () => startChild("loadgen.ts"));
  const result: StormResult = {
    target,
    variant,
    clients: opts.storm,
    connected: 0,
    failed: 0,
    firstError: undefined,
    ms: Number.NaN,
    serverCpuMicrosPerConnect: Number.NaN,
    live: { clients: 0, rate: opts.stormRate, p50: Number.NaN, p99: Number.NaN, loss: Number.NaN },
  };
  try {
    const ready = await server.next<ServerReady>("ready", 60_000);
    const epoch = Date.now();
    const liveConnected = await connectMany([live], ready, opts.stormLive, opts, epoch, {});
    result.live.clients = liveConnected.ok;
    const publishTarget = {
      port: ready.port,
      path: ready.publishPath,
      headers: ready.publishHeaders,
      body: ready.publishBody,
      epoch,
    };
    await publish(publishTarget, opts.stormRate, 1); // warm-up
    await sleep(500);
    await live.request({ type: "reset" }, "reset-done");
    const seconds = 8;
    const publishing = publish(publishTarget, opts.stormRate, seconds);
    await sleep(1000);
    const cpu0 = cpuMicros(server.pid);
    const jitterMs = variant === "SDK jitter" ? defaultBackoff.initialMs : 0;
    const connected = await connectMany(storm, ready, opts.storm, opts, epoch, {
      concurrency: opts.storm,
      jitterMs,
    });
    const cpu = cpuMicros(server.pid) - cpu0;
    Object.assign(result, {
      connected: connected.ok,
      failed: connected.failed,
      firstError: connected.firstError,
      ms: connected.ms,
      serverCpuMicrosPerConnect: connected.ok > 0 ? cpu / connected.ok : Number.NaN,
    });
    const pub = await publishing;
    await sleep(1500);
    const stats = await live.request<LoadgenStats>({ type: "stats" }, "stats");
    const expected = pub.accepted * liveConnected.ok;
    result.live.p50 = stats.p50;
    result.live.p99 = stats.p99;
    result.live.loss = expected === 0 ? 1 : Math.max(0, 1 - stats.received / expected);
    log(
      `storm ${target} (${variant}): ${connected.ok}/${opts.storm} live in ${connected.ms} ms` +
        `${connected.failed ? ` (${connected.failed} failed: ${connected.firstError})` : ""}, ` +
        `${(result.serverCpuMicrosPerConnect / 1000).toFixed(2)} ms server CPU per connect; ` +
        `live ${liveConnected.ok} clients @${opts.stormRate}/s p50 ${stats.p50.toFixed(1)} ms p99 ${stats.p99.toFixed(1)} ms loss ${(result.live.loss * 100).toFixed(2)}%`,
    );
  } catch (err) {
    result.firstError = `failed: ${(err as Error).message}`;
    log(`storm ${target} ${result.firstError}`);
  } finally {
    await stopAll([live, ...storm]);
    await server.stop();
  }
  return result;
}

export async function runIdle(target: Target, script: string, opts: Options): Promise<IdleResult> {
  const server = startChild(script, { nodeArgs: ["--expose-gc"], env: { LOG_LEVEL: "warn" } });
  const loadgens = Array.from({ length: Math.ceil(opts.idle / PER_LOADGEN) }, () => startChild("loadgen.ts"));
  const result: IdleResult = {
    target,
    clients: opts.idle,
    connected: 0,
    ms: Number.NaN,
    memPerConnBytes: Number.NaN,
    heapPerConnBytes: Number.NaN,
    serverCpuMicrosPerConnect: Number.NaN,
    note: "",
  };
  try {
    const ready = await server.next<ServerReady>("ready", 60_000);
    const before = await settledMemory(server);
    const cpu0 = cpuMicros(server.pid);
    const connected = await connectMany(loadgens, ready, opts.idle, opts, Date.now(), {});
    const cpu = cpuMicros(server.pid) - cpu0;
    await sleep(1000);
    const after = await settledMemory(server);
    Object.assign(result, {
      connected: connected.ok,
      ms: connected.ms,
      memPerConnBytes: (after.rss - before.rss) / connected.ok,
      heapPerConnBytes: (after.heapUsed - before.heapUsed) / connected.ok,
      serverCpuMicrosPerConnect: cpu / connected.ok,
      note: connected.failed ? `${connected.failed} failed: ${connected.firstError}` : "",
    });
    log(
      `idle ${target}: ${connected.ok}/${opts.idle} connected in ${connected.ms} ms, ` +
        `${(result.memPerConnBytes / 1024).toFixed(1)} KiB RSS and ${(result.heapPerConnBytes / 1024).toFixed(1)} KiB heap per connection${result.note ? `, ${result.note}` : ""}`,
    );
  } catch (err) {
    result.note = `failed: ${(err as Error).message}`;
    log(`idle ${target} ${result.note}`);
  } finally {
    await stopAll(loadgens);
    await server.stop();
  }
  return result;
}

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

export function stormReport(results: StormResult[], opts: Options): string {
  if (results.length === 0) return "";
  const out = [
    `\n### Connect storm: ${fmt(opts.storm)} clients at once against a fresh server, ${fmt(opts.stormLive)} live clients at ${opts.stormRate} posts/s meanwhile\n`,
    "| server | variant | live after | connected | server CPU per connect | live p50 ms | live p99 ms | live loss | note |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results)
    out.push(
      `| ${NAMES[r.target]} | ${r.variant} | ${fmt(r.ms / 1000, 2)} s | ${fmt(r.connected)} | ${fmt(r.serverCpuMicrosPerConnect / 1000, 2)} ms | ${fmt(r.live.p50, 1)} | ${fmt(r.live.p99, 1)} | ${fmt(r.live.loss * 100, 2)}% | ${r.failed ? `${r.failed} failed: ${r.firstError}` : (r.firstError ?? "")} |`,
    );
  return out.join("\n");
}

export function idleReport(results: IdleResult[]): string {
  if (results.length === 0) return "";
  const out = [
    `\n### Idle connections on one server process\n`,
    "| server | connected | connect time | server CPU per connect | RSS / idle conn | heap / idle conn | note |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of results)
    out.push(
      `| ${NAMES[r.target]} | ${fmt(r.connected)} of ${fmt(r.clients)} | ${fmt(r.ms / 1000, 1)} s | ${fmt(r.serverCpuMicrosPerConnect / 1000, 2)} ms | ${fmt(r.memPerConnBytes / 1024, 2)} KiB | ${fmt(r.heapPerConnBytes / 1024, 2)} KiB | ${r.note} |`,
    );
  return out.join("\n");
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
