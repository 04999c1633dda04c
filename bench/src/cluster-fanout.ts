// `npm run bench:cluster`: the same fan-out through two real server nodes (main.ts, shared
// PostgreSQL) once with one Redis (REDIS_URL) and once with a three-master Redis Cluster
// (REDIS_CLUSTER, sharded pub/sub), in one run. Clients are spread over both nodes and over
// several dashboards (one group each, so groups hash to different shards); points are ingested
// on node A at a fixed rate, round-robin over the dashboards. Reports deliveries/s, p50/p99
// ingest→client latency, loss, and Redis CPU per post and per delivered client update (the
// figure for sizing: how many deliveries one Redis shard carries per CPU-second), net of the
// CPU the Redis processes use while idle.
//
//   npm run bench:cluster -- [--clients 1000] [--dashboards 12] [--rate 240] [--seconds 10]
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import {
  freePort,
  type RedisClusterHandle,
  type RedisHandle,
  startPostgres,
  startRedis,
  startRedisCluster,
} from "@pulseboard/test-support";
import { type MainProcess, spawnMain, type TestDatabase } from "../../apps/server/test/harness.ts";
import { cpuMicros } from "./children.ts";
import { Histogram } from "./histogram.ts";
import { RawWsClient } from "./raw-client.ts";

const serverDir = resolve(import.meta.dirname, "../../apps/server");
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg("clients", 1000);
const DASHBOARDS = arg("dashboards", 12);
const RATE = arg("rate", 240);
const SECONDS = arg("seconds", 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

type Mode = "one Redis" | "Redis Cluster (3 masters)";
type Result = {
  mode: Mode;
  offered: number;
  delivered: number;
  p50: number;
  p99: number;
  loss: number;
  redisCpuS: number;
  posts: number;
  received: number;
};

function redisCpuSeconds(port: number): number {
  const info = execFileSync("/usr/bin/redis-cli", ["-p", String(port), "info", "cpu"], { encoding: "utf8" });
  return ["used_cpu_sys", "used_cpu_user"].reduce(
    (sum, key) => sum + Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? 0),
    0,
  );
}

async function runMode(mode: Mode, pgUrl: string): Promise<Result> {
  let single: RedisHandle | undefined;
  let cluster: RedisClusterHandle | undefined;
  const nodes: MainProcess[] = [];
  const clients: RawWsClient[] = [];
  try {
    const redisEnv: Record<string, string> = {};
    if (mode === "one Redis") {
      single = await startRedis();
      redisEnv.REDIS_URL = single.url;
    } else {
      // No replicas: the bench measures pub/sub cost per shard, not replication.
      cluster = await startRedisCluster({ masters: 3, replicas: 0 });
      redisEnv.REDIS_CLUSTER = cluster.urls.join(",");
    }
    const redisCpu = () =>
      single ? redisCpuSeconds(single.port) : (cluster?.cpuSeconds() ?? Promise.resolve(0));
    const db: TestDatabase = {
      kind: "postgres",
      databaseUrl: pgUrl,
      dataDir: "/tmp",
      env: { DATABASE_URL: pgUrl },
      destroy: async () => {},
    };
    const env = {
      ...redisEnv,
      PULSEBOARD_DEMO: "0",
      PULSEBOARD_SYSTEM: "0",
      PULSEBOARD_SYNTHETIC: "0",
      // 1,000 clients of one bench user from one address, posting with one token: the abuse
      // limits (added after this bench) would refuse them; they are off here, as in the ladder.
      PULSEBOARD_WS_MAX_PER_USER: "0",
      PULSEBOARD_WS_MAX_PENDING_PER_ADDRESS: "0",
      PULSEBOARD_WS_HANDSHAKES_PER_MINUTE: "0",
      PULSEBOARD_API_REQUESTS_PER_MINUTE: "0",
      PULSEBOARD_INGEST_REQUESTS_PER_MINUTE: "0",
      PULSEBOARD_MAX_SOCKETS_PER_ADDRESS: "0",
      LOG_LEVEL: "error",
    };
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, ["--import", "tsx", join(serverDir, "src/cli.ts"), ...args], {
        cwd: serverDir,
        env: { ...process.env, ...db.env, ...env },
        encoding: "utf8",
      }).trim();
    cli("create-user", "bench", "--password", "bench-password-1");
    const token = cli("create-token", "bench", "bench").split("\n").at(-1) ?? "";
    nodes.push(await spawnMain(db, await freePort(), env), await spawnMain(db, await freePort(), env));
    const [a, b] = nodes as [MainProcess, MainProcess];
    const post = (path: string, body: unknown) =>
      fetch(a.url + path, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: number }>);
    const targets: Array<{ dashboard: number; metric: number }> = [];
    for (let i = 0; i < DASHBOARDS; i++) {
      const d = await post("/api/v1/dashboards", { name: `Bench ${i}`, slug: `bench-${i}` });
      const m = await post(`/api/v1/dashboards/${d.id}/metrics`, { name: "latency", type: "gauge" });
      targets.push({ dashboard: d.id, metric: m.id });
    }

    const hist = new Histogram();
    let received = 0;
    let measuring = false;
    let opened = 0;
    await new Promise<void>((resolveAll, reject) => {
      for (let i = 0; i < CLIENTS; i++) {
        const node = i % 2 === 0 ? a : b;
        const target = targets[i % DASHBOARDS]!;
        let subscribed = false;
        const client = new RawWsClient(
          {
            port: Number(new URL(node.url).port),
            path: `/ws/dashboard/${target.dashboard}/`,
            headers: { authorization: `Bearer ${token}` },
            localAddress: `127.0.0.${2 + (i % 8)}`,
            onText: (buf, start, end) => {
              const text = buf.toString("utf8", start, end);
              if (!subscribed && text.includes('"status_code":200')) {
                subscribed = true;
                client.sendText(JSON.stringify({ action: "subscribe", payload: [target.metric] }));
                client.sendText(JSON.stringify({ action: "ping", payload: null }));
              } else if (text.startsWith('{"action":"pong"')) {
                if (++opened === CLIENTS) resolveAll();
              } else if (measuring && text.startsWith('{"action":"metric_update"')) {
                const sent = Number(/"value":([0-9.e+]+)/.exec(text)?.[1]);
                received++;
                hist.record(performance.timeOrigin + performance.now() - sent);
              }
            },
            onClose: () => {},
          },
          () => {},
          reject,
        );
        clients.push(client);
      }
    });
    log(`${mode}: ${CLIENTS} clients on 2 nodes, ${DASHBOARDS} dashboards`);
    await sleep(1000);

    // Redis spends CPU while idle too (serverCron, presence heartbeats), per process: measured
    // over an equal window without posts and subtracted, so the figure is the fan-out's cost.
    const idle0 = await redisCpu();
    await sleep(SECONDS * 1000);
    const idleCpuS = (await redisCpu()) - idle0;
    const cpu0 = await redisCpu();
    const nodeCpu0 = nodes.reduce((s, n) => s + cpuMicros(n.child.pid ?? 0), 0);
    measuring = true;
    const t0 = performance.now();
    let posts = 0;
    let accepted = 0;
    const interval = 1000 / RATE;
    const inflight: Promise<void>[] = [];
    while (performance.now() - t0 < SECONDS * 1000) {
      const due = t0 + posts * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const target = targets[posts % DASHBOARDS]!;
      posts++;
      inflight.push(
        fetch(`${a.url}/api/v1/ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({
            points: [{ metric_id: target.metric, value: performance.timeOrigin + performance.now() }],
          }),
        }).then((r) => {
          if (r.status === 200) accepted++;
          return r.body?.cancel();
        }),
      );
    }
    await Promise.all(inflight);
    const window = (performance.now() - t0) / 1000;
    const expected = (accepted * CLIENTS) / DASHBOARDS;
    for (let i = 0; i < 50 && received < expected; i++) await sleep(100);
    measuring = false;
    const redisCpuS = Math.max(0, (await redisCpu()) - cpu0 - idleCpuS * (window / SECONDS));
    const nodeCpuS = (nodes.reduce((s, n) => s + cpuMicros(n.child.pid ?? 0), 0) - nodeCpu0) / 1e6;
    const result: Result = {
      mode,
      offered: expected / window,
      delivered: received / window,
      p50: hist.percentile(50),
      p99: hist.percentile(99),
      loss: expected === 0 ? 1 : Math.max(0, 1 - received / expected),
      redisCpuS,
      posts: accepted,
      received,
    };
    log(
      `  delivered ${Math.round(result.delivered)}/s of ${Math.round(result.offered)}/s, p50 ${result.p50.toFixed(1)} ms, ` +
        `p99 ${result.p99.toFixed(1)} ms, loss ${(result.loss * 100).toFixed(2)}%, Redis CPU ${redisCpuS.toFixed(3)} s above idle (${idleCpuS.toFixed(3)} s idle) ` +
        `(${((redisCpuS * 1e6) / Math.max(1, received)).toFixed(2)} µs per delivery, ${((redisCpuS * 1e6) / Math.max(1, accepted)).toFixed(1)} µs per post), nodes CPU ${nodeCpuS.toFixed(1)} s`,
    );
    return result;
  } finally {
    for (const c of clients) c.destroy();
    for (const n of nodes) n.child.kill("SIGTERM");
    await Promise.all(nodes.map((n) => n.exited));
    await single?.stop();
    await cluster?.stop();
  }
}

const pg = await startPostgres();
const results: Result[] = [];
try {
  for (const mode of ["one Redis", "Redis Cluster (3 masters)"] as const)
    results.push(await runMode(mode, await pg.createDatabase()));
} finally {
  await pg.destroy();
}
const base = results[0]!;
console.log(
  `\n### Two nodes, ${CLIENTS} clients over ${DASHBOARDS} dashboards, ${RATE} posts/s for ${SECONDS} s\n`,
);
console.log(
  "| channel layer | delivered/s | ×one Redis | p50 ms | p99 ms | loss | Redis CPU µs/delivery | Redis CPU µs/post |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of results)
  console.log(
    `| ${r.mode} | ${Math.round(r.delivered)} | ${(r.delivered / base.delivered).toFixed(2)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.loss * 100).toFixed(2)}% | ${((r.redisCpuS * 1e6) / Math.max(1, r.received)).toFixed(2)} | ${((r.redisCpuS * 1e6) / Math.max(1, r.posts)).toFixed(1)} |`,
  );
process.exit(0);
