// Owns the lifecycle of real server processes started by tests: spawn with a pid we stop
// ourselves, wait until a TCP port answers, and fail loudly with an install hint when the
// Debian binary is missing (tests never skip silently).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";

export class MissingBinaryError extends Error {
  constructor(binary: string, debianPackage: string) {
    super(
      `${binary} is not installed. Install it with: apt-get install -y ${debianPackage} ` +
        "(scripts/test.sh installs every package the tests need).",
    );
    this.name = "MissingBinaryError";
  }
}

/** Returns the first existing path, or throws an error naming the Debian package to install. */
export function requireBinary(candidates: string[], debianPackage: string): string {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new MissingBinaryError(candidates[0] ?? debianPackage, debianPackage);
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function portAnswers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function waitForPort(port: number, timeoutMs: number, what: string, logs: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portAnswers(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms.\n${logs()}`);
}

export type Managed = { pid: number; child: ChildProcess; output: () => string; stop: () => Promise<void> };

/** Spawns a long-running server process and keeps its last output for error messages. */
export function spawnManaged(
  binary: string,
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    uid?: number;
    gid?: number;
    stopSignal?: NodeJS.Signals;
  } = {},
): Managed {
  const child = spawn(binary, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.pid === undefined) throw new Error(`could not start ${binary}`);
  const pid = child.pid;
  return {
    pid,
    child,
    output: () => tail,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, opts.stopSignal ?? "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
