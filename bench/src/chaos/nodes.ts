// Owns the chaos benchmark's server processes: two nodes of one target on fixed ports (so nginx
// keeps its upstreams across restarts), started, killed with SIGKILL, or stopped with SIGTERM
// and waited for, by pid. Pulseboard nodes are the real server (apps/server/src/main.ts, through
// tsx as `npm start` runs it, or from the specs' esbuild bundle with `--chaos-start bundle`);
// Socket.IO nodes run socketio-node.ts. `ready(i)` waits for a node's readiness endpoint, as a
// rolling update waits on a readiness probe before it stops the next node.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { buildSpecBundles, freePort, nodeEntry } from "@pulseboard/test-support";
import { KEEP_EVERYTHING, type TestDatabase } from "../../../apps/server/test/harness.ts";
import type { ChaosTarget } from "./types.ts";

type Running = { child: ChildProcess; exited: Promise<unknown> };

export type Nodes = {
  ports: number[];
  url(i: number): string;
  up(i: number): boolean;
  start(i: number): Promise<void>;
  /** Until node i answers its readiness check with 200 (Pulseboard /api/v1/ready): ms waited. */
  ready(i: number): Promise<number>;
  /** kill -9: no drain, no goodbye. */
  kill(i: number): Promise<void>;
  /** SIGTERM and wait for it to exit (Pulseboard drains with 1012, Socket.IO closes): what it took. */
  stop(i: number): Promise<string>;
  stopAll(): Promise<void>;
};

const repoRoot = resolve(import.meta.dirname, "../../..");

/**
 * Spawns a node script and waits for its ready line. Like the harness's spawnMain, with a
 * longer deadline: on a shared 2-core machine a tsx start under load can take more than 30 s.
 */
async function spawnNode(
  script: string,
  env: NodeJS.ProcessEnv,
  readyText: string,
  viaTsx: boolean,
): Promise<Running> {
  // The bundle of main.ts (test-support's nodeEntry, once buildSpecBundles ran), or through tsx.
  // CHAOS_NODE_ARGS: extra Node flags for the nodes only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
  const extra = process.env.CHAOS_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const entry = viaTsx ? ["--import", "tsx", resolve(repoRoot, script)] : nodeEntry(script);
  const child = spawn(process.execPath, [...extra, ...entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d).slice(-16_384);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise((r) => child.once("exit", r));
  const deadline = Date.now() + 120_000;
  while (!out.includes(readyText)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill("SIGKILL");
      throw new Error(`${script} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited };
}

export async function twoNodes(
  target: ChaosTarget,
  env: { db: TestDatabase; redisUrl: string },
  start: "bundle" | "tsx" = "tsx",
): Promise<Nodes> {
  // Through tsx every module of a start goes through tsx's loader thread: seconds of both cores on
  // this machine, beside the node taking the hand-over. A bundle loads the same sources in ~0.1 s.
  const viaTsx = target === "pulseboard" && start === "tsx";
  if (target === "pulseboard" && !viaTsx) await buildSpecBundles();
  const ports = [await freePort(), await freePort()];
  const running: Array<Running | undefined> = [undefined, undefined];
  const serverEnv = {
    REDIS_URL: env.redisUrl,
    PULSEBOARD_DEMO: "0",
    PULSEBOARD_SYSTEM: "0",
    PULSEBOARD_SYNTHETIC: "0",
    LOG_LEVEL: "error",
    // Behind nginx: per-address limits apply to the client's address, not the proxy's.
    PULSEBOARD_TRUST_PROXY: "1",
  };
  const nodes: Nodes = {
    ports,
    url: (i) => `http://127.0.0.1:${ports[i]}`,
    up: (i) => running[i] !== undefined,
    async start(i) {
      running[i] =
        target === "pulseboard"
          ? await spawnNode(
              "apps/server/src/main.ts",
              { ...KEEP_EVERYTHING, ...env.db.env, PORT: String(ports[i]), HOST: "127.0.0.1", ...serverEnv },
              "Pulseboard is running at",
              viaTsx,
            )
          : await spawnNode(
              resolve(import.meta.dirname, "socketio-node.ts"),
              { PORT: String(ports[i]), REDIS_URL: env.redisUrl },
              "listening on",
              false,
            );
    },
    async ready(i) {
      if (target !== "pulseboard") return 0;
      const t0 = performance.now();
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status = await fetch(`${nodes.url(i)}/api/v1/ready`, { signal: AbortSignal.timeout(5000) })
          .then((r) => r.status)
          .catch(() => 0);
        if (status === 200) return Math.round(performance.now() - t0);
        if (Date.now() > deadline) throw new Error(`node ${i} not ready after 60 s (last status ${status})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill(i) {
      const r = running[i];
      running[i] = undefined;
      r?.child.kill("SIGKILL");
      await r?.exited;
    },
    async stop(i) {
      const r = running[i];
      running[i] = undefined;
      if (!r) return "not running";
      const t0 = performance.now();
      r.child.kill("SIGTERM");
      const timer = setTimeout(() => r.child.kill("SIGKILL"), 60_000);
      const code = await r.exited;
      clearTimeout(timer);
      return `exit code ${String(code)} after ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    },
    async stopAll() {
      await Promise.all([nodes.stop(0), nodes.stop(1)]);
    },
  };
  // One after the other: two tsx starts at once on two busy cores take longer than in turn.
  try {
    await nodes.start(0);
    await nodes.start(1);
  } catch (err) {
    await nodes.stopAll();
    throw err;
  }
  return nodes;
}
