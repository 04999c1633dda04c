// Starts Debian's redis-server on a random loopback port, without persistence, for one test file.
import { freePort, type Managed, requireBinary, spawnManaged, waitForPort } from "./process.ts";

export type RedisHandle = {
  url: string;
  port: number;
  pid: () => number;
  /** Stops the process (the port stays reserved for `start`). */
  stop: () => Promise<void>;
  /** Starts it again on the same port: for tests of reconnection. */
  start: () => Promise<void>;
  restart: () => Promise<void>;
};

export async function startRedis(): Promise<RedisHandle> {
  const binary = requireBinary(["/usr/bin/redis-server"], "redis-server");
  const port = await freePort();
  let proc: Managed | undefined;
  const start = async () => {
    proc = spawnManaged(binary, [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "no",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ]);
    await waitForPort(port, 10_000, "redis-server", () => proc?.output() ?? "");
  };
  await start();
  const stop = async () => {
    await proc?.stop();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => proc?.pid ?? -1,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
  };
}
