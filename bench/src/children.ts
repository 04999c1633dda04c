// Owns the child processes of a run: a server child per target and the load generator, each a
// separate Node process (spawned under `ulimit -n <hard limit>` so 10,000 sockets fit) with an
// IPC channel, stopped by pid when the run ends or fails.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const here = import.meta.dirname;
const CLK_TCK = 100;

export type Child = {
  proc: ChildProcess;
  pid: number;
  request<T>(msg: object, answerType: string, timeoutMs?: number): Promise<T>;
  next<T>(answerType: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
};

export function startChild(
  script: string,
  opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Child {
  const entry = resolve(here, script);
  const nodeArgs = [...(opts.nodeArgs ?? []), "--import", "tsx", entry];
  // exec keeps the pid, so /proc/<pid>/stat is the server's own CPU, and keeps the IPC fd.
  const proc = spawn(
    "sh",
    ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, ...nodeArgs],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, ...opts.env },
    },
  );
  if (proc.pid === undefined) throw new Error(`could not start ${script}`);
  const pid = proc.pid;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const next = <T>(answerType: string, timeoutMs = 120_000) =>
    new Promise<T>((resolvePromise, reject) => {
      const onMessage = (msg: { type: string }) => {
        if (msg.type !== answerType) return;
        cleanup();
        resolvePromise(msg as T);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`${script} exited (${code}) while waiting for "${answerType}"`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${script}: no "${answerType}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        proc.off("message", onMessage);
        proc.off("exit", onExit);
      };
      proc.on("message", onMessage);
      proc.once("exit", onExit);
    });
  return {
    proc,
    pid,
    next,
    request: <T>(msg: object, answerType: string, timeoutMs?: number) => {
      const answer = next<T>(answerType, timeoutMs);
      proc.send(msg);
      return answer;
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      // Disconnecting lets the child exit normally (so --cpu-prof writes its profile).
      if (proc.connected) proc.disconnect();
      const timer = setTimeout(() => proc.exitCode === null && process.kill(pid, "SIGKILL"), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU time (user + system) a process has used, in microseconds, from /proc/<pid>/stat. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLK_TCK;
}

/** Resident set size from /proc/<pid>/status, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}
