// Owns the chaos benchmark's server processes: two nodes of one target on fixed ports (so nginx
// keeps its upstreams across restarts), started, killed with SIGKILL, or stopped with SIGTERM
// and waited for, by pid. Pulseboard nodes are the real server (apps/server/src/main.ts, via
// the test harness's spawnMain); Socket.IO nodes run socketio-node.ts.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { freePort } from "@pulseboard/test-support";
import { spawnMain, type TestDatabase } from "../../../apps/server/test/harness.ts";
import type { ChaosTarget } from "./types.ts";

type Running = { child: ChildProcess; exited: Promise<unknown> };

export type Nodes = {
  ports: number[];
  url(i: number): string;
  up(i: number): boolean;
  start(i: number): Promise<void>;
  /** kill -9: no drain, no goodbye. */
  kill(i: number): Promise<void>;
  /** SIGTERM and wait for it to exit (Pulseboard drains with 1012, Socket.IO closes). */
  stop(i: number): Promise<void>;
  stopAll(): Promise<void>;
};

async function spawnSocketIo(port: number, redisUrl: string): Promise<Running> {
  const script = resolve(import.meta.dirname, "socketio-node.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d).slice(-16_384);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise((r) => child.once("exit", r));
  const deadline = Date.now() + 30_000;
  while (!out.includes("listening on")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill("SIGKILL");
      throw new Error(`socketio-node.ts did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited };
}

export async function twoNodes(
  target: ChaosTarget,
  env: { db: TestDatabase; redisUrl: string },
): Promise<Nodes> {
  const ports = [await freePort(), await freePort()];
  const running: Array<Running | undefined> = [undefined, undefined];
  const serverEnv = {
    REDIS_URL: env.redisUrl,
    PULSEBOARD_DEMO: "0",
    PULSEBOARD_SYSTEM: "0",
    PULSEBOARD_SYNTHETIC: "0",
    LOG_LEVEL: "error",
  };
  const nodes: Nodes = {
    ports,
    url: (i) => `http://127.0.0.1:${ports[i]}`,
    up: (i) => running[i] !== undefined,
    async start(i) {
      running[i] =
        target === "pulseboard"
          ? await spawnMain(env.db, ports[i]!, serverEnv)
          : await spawnSocketIo(ports[i]!, env.redisUrl);
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
      r?.child.kill("SIGTERM");
      const timer = setTimeout(() => r?.child.kill("SIGKILL"), 30_000);
      await r?.exited;
      clearTimeout(timer);
    },
    async stopAll() {
      await Promise.all([nodes.stop(0), nodes.stop(1)]);
    },
  };
  await Promise.all([nodes.start(0), nodes.start(1)]);
  return nodes;
}
