// Owns what makes a node part of a cluster: with REDIS_URL set, the framework's RedisLayer
// carries group messages between nodes and presence is counted in Redis across nodes; without
// it, one process with the in-process layer. Either way the health route reports the state.
import { RedisLayer } from "@pulseboard/channels/redis";
import { Redis } from "ioredis";
import pino from "pino";
import { healthRoutes } from "./api/health.ts";
import type { BuildOptions } from "./app.ts";
import type { Config } from "./config.ts";
import { redisPresence } from "./ws/redis-presence.ts";

export type Cluster = { build: BuildOptions; close(): Promise<void> };

export function clusterFromConfig(config: Config): Cluster {
  if (!config.redisUrl) return { build: { plugins: [healthRoutes()] }, close: async () => {} };
  const log = pino({ level: config.logLevel, name: "cluster" });
  // Redis errors repeat every reconnect attempt: log the first of a run, then once per 30 s.
  let lastLogged = 0;
  const onError = (err: Error) => {
    const now = Date.now();
    if (now - lastLogged < 30_000) return;
    lastLogged = now;
    log.error(
      { err: err.message },
      "Redis unavailable: updates reach this node's clients only until it is back",
    );
  };
  const layer = new RedisLayer({ url: config.redisUrl, onError });
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  redis.on("error", (err: Error) => onError(err));
  redis.on("ready", () => {
    if (lastLogged !== 0) log.info("Redis is reachable again");
    lastLogged = 0;
  });
  const presence = redisPresence({
    redis,
    ttlSeconds: config.presenceTtlS,
    onError: (err) => log.warn(err.message),
  });
  return {
    build: { layer, presence, redis, plugins: [healthRoutes({ layerStatus: () => layer.status })] },
    close: async () => {
      presence.close();
      redis.disconnect();
      await layer.close();
    },
  };
}
