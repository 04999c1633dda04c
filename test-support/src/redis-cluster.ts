// Starts a real Redis Cluster from Debian's redis-server for one test file: N masters (each with
// `replicas` replicas) on random loopback ports, `cluster-enabled yes`, joined with
// `redis-cli --cluster create`, and waits until every node reports `cluster_state:ok`. Handles
// stop nodes by pid, so a spec can kill a master and watch its replica take over.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, type Managed, requireBinary, spawnManaged, waitForPort } from "./process.ts";

const run = promisify(execFile);

export type ClusterNode = { port: number; url: string; pid: () => number; alive: () => boolean };

export type RedisClusterHandle = {
  /** Seed URLs (every node), e.g. for REDIS_CLUSTER. */
  urls: string[];
  nodes: ClusterNode[];
  /** Ports of the nodes that are masters right now (asked of a live node). */
  masters(): Promise<number[]>;
  /** The port of the master serving `key`'s slot right now. */
  masterFor(key: string): Promise<number>;
  /** SIGKILLs the node on `port` (no clean shutdown, as a crash). */
  kill(port: number): Promise<void>;
  /** Resolves once the cluster is `ok` again and `port` is no longer a master. */
  waitForFailover(port: number, timeoutMs?: number): Promise<void>;
  /** The used CPU time (user + sys, seconds) each live node reports in INFO cpu. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
};

export type RedisClusterOptions = { masters?: number; replicas?: number; nodeTimeoutMs?: number };

async function cli(cliBinary: string, port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(cliBinary, ["-h", "127.0.0.1", "-p", String(port), ...args], {
    timeout: 10_000,
  });
  return stdout;
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const binary = requireBinary(["/usr/bin/redis-server"], "redis-server");
  const cliBinary = requireBinary(["/usr/bin/redis-cli"], "redis-tools");
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const nodeTimeout = options.nodeTimeoutMs ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), "pb-redis-cluster-"));
  const count = masters * (1 + replicas);
  const procs = new Map<number, Managed>();
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  for (const port of ports) {
    const proc = spawnManaged(
      binary,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        String(nodeTimeout),
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        // Replicas must have synced before a spec kills their master (a replica that never
        // synced refuses to take over); the default waits 5 s to batch diskless syncs.
        "--repl-diskless-sync-delay",
        "0",
        "--protected-mode",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
      ],
      { stopSignal: "SIGKILL" },
    );
    procs.set(port, proc);
  }
  const stopAll = async () => {
    await Promise.all([...procs.values()].map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports)
      await waitForPort(
        port,
        10_000,
        `redis-server (cluster) on ${port}`,
        () => procs.get(port)?.output() ?? "",
      );
    await run(
      cliBinary,
      [
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      { timeout: 30_000 },
    );
  } catch (err) {
    await stopAll();
    throw new Error(`could not create the Redis Cluster: ${(err as Error).message}`);
  }

  const alive = (port: number) => {
    const child = procs.get(port)?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const livePort = () => {
    const port = ports.find(alive);
    if (port === undefined) throw new Error("no Redis Cluster node is alive");
    return port;
  };
  const masterPorts = async (askPort = livePort()): Promise<number[]> => {
    const out = await cli(cliBinary, askPort, "cluster", "nodes");
    return out
      .split("\n")
      .filter((line) => /\bmaster\b/.test(line) && !/\bfail\b/.test(line) && / \d+-\d+/.test(line))
      .map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
  };
  /** Tells the replicas of the (dead) master on `port` to take its slots over. */
  const takeOver = async (port: number): Promise<void> => {
    const lines = (await cli(cliBinary, livePort(), "cluster", "nodes")).split("\n");
    const id = lines.find((line) => line.includes(`:${port}@`))?.split(" ")[0];
    if (!id) return;
    for (const line of lines) {
      const fields = line.split(" ");
      if (!/\bslave\b/.test(fields[2] ?? "") || fields[3] !== id) continue;
      const replica = Number(/:(\d+)@/.exec(line)?.[1]);
      if (alive(replica)) await cli(cliBinary, replica, "cluster", "failover", "takeover");
    }
  };
  const clusterOk = async (): Promise<boolean> => {
    for (const port of ports.filter(alive)) {
      const info = await cli(cliBinary, port, "cluster", "info").catch(() => "");
      if (!info.includes("cluster_state:ok")) return false;
    }
    return true;
  };
  const replicasSynced = async (): Promise<boolean> => {
    for (const port of ports.filter(alive)) {
      const info = await cli(cliBinary, port, "info", "replication");
      if (info.includes("role:slave") && !info.includes("master_link_status:up")) return false;
    }
    return true;
  };
  const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // Every node must agree before a spec starts: a node that has not yet learned the slot map
  // answers CLUSTERDOWN.
  try {
    await waitUntil(
      "not every node reached cluster_state:ok",
      async () => (await clusterOk()) && (await masterPorts()).length === masters && (await replicasSynced()),
      30_000,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    urls: ports.map((p) => `redis://127.0.0.1:${p}`),
    nodes: ports.map((port) => ({
      port,
      url: `redis://127.0.0.1:${port}`,
      pid: () => procs.get(port)?.pid ?? -1,
      alive: () => alive(port),
    })),
    masters: () => masterPorts(),
    masterFor: async (key: string) => {
      const slot = Number((await cli(cliBinary, livePort(), "cluster", "keyslot", key)).trim());
      const out = await cli(cliBinary, livePort(), "cluster", "nodes");
      for (const line of out.split("\n")) {
        if (!/\bmaster\b/.test(line) || /\bfail\b/.test(line)) continue;
        for (const range of line.split(" ").slice(8)) {
          const [lo, hi] = range.split("-").map(Number);
          if (lo !== undefined && slot >= lo && slot <= (hi ?? lo)) return Number(/:(\d+)@/.exec(line)?.[1]);
        }
      }
      throw new Error(`no master serves slot ${slot} of ${key}`);
    },
    kill: async (port: number) => {
      await procs.get(port)?.stop();
    },
    waitForFailover: async (port: number, timeoutMs = 30_000) => {
      const replaced = async () => {
        const now = await masterPorts();
        return (await clusterOk()) && now.length === masters && !now.includes(port);
      };
      // Redis promotes the replica on its own after cluster-node-timeout and an election; on a
      // starved machine that election was seen to stall past 30 s. After a third of the time the
      // replica is told to take over (CLUSTER FAILOVER TAKEOVER, what an operator would do):
      // the spec is about how the layer rides a failover, not about Redis's election timing.
      try {
        await waitUntil(`${port} was not replaced by its replica`, replaced, timeoutMs / 3);
      } catch {
        await takeOver(port).catch(() => {});
        await waitUntil(`${port} was not replaced by its replica`, replaced, (timeoutMs * 2) / 3);
      }
    },
    cpuSeconds: async () => {
      let total = 0;
      for (const port of ports.filter(alive)) {
        const info = await cli(cliBinary, port, "info", "cpu");
        for (const key of ["used_cpu_sys", "used_cpu_user"])
          total += Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? 0);
      }
      return total;
    },
    stop: stopAll,
  };
}
