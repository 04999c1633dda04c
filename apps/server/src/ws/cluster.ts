// Owns what makes a node part of a cluster: with REDIS_URL set, the framework's RedisLayer
// carries group messages between nodes and presence is counted in Redis across nodes; with
// REDIS_CLUSTER set, the same over a Redis Cluster (sharded pub/sub, presence on the shard of
// its dashboard); without either, one process with the in-process layer. Either way the health
// route reports the state.
import { RedisLayer } from "@pulseboard/channels/redis";
import { RedisClusterLayer } from "@pulseboard/channels/redis-cluster";
import { Redis } from "ioredis";
import pino from "pino";
import type { BuildOptions } from "../app.ts";
import type { Config } from "../config/config.ts";
import { healthRoutes } from "../http/health.ts";
import { redisPresence } from "./redis-presence.ts";

export type Cluster = {
  build: BuildOptions;
  /** Resolves once the channel layer is connected (a node accepts clients after this). */
  ready(): Promise<void>;
  close(): Promise<void>;
};

/** Redis errors repeat every reconnect attempt: log the first of a run, then once per 30 s. */
function throttledLog(log: pino.Logger, message: string) {
  let lastLogged = 0;
  return {
    onError: (err: Error) => {
      const now = Date.now();
      if (now - lastLogged < 30_000) return;
      lastLogged = now;
      const context = (err as { context?: string }).context;
      log.error({ err: err.message, ...(context ? { context } : {}) }, message);
    },
    recovered: () => {
      if (lastLogged !== 0) log.info("Redis is reachable again");
      lastLogged = 0;
    },
  };
}

function redisClusterFromConfig(config: Config, log: pino.Logger): Cluster {
  const { onError } = throttledLog(
    log,
    "Redis Cluster shard unavailable: its groups reach this node's clients only until a replica takes over",
  );
  const layer = new RedisClusterLayer({ nodes: config.redisClusterNodes, onError });
  const presence = redisPresence({
    redis: (script, keys, args) => layer.eval(script, keys, args),
    ttlSeconds: config.presenceTtlS,
    onError: (err) => log.warn(err.message),
  });
  return {
    build: { layer, presence, plugins: [healthRoutes({ layerStatus: () => layer.status })] },
    ready: () => layer.ready(),
    close: async () => {
      presence.close();
      await layer.close();
    },
  };
}

export function clusterFromConfig(config: Config): Cluster {
  if (config.redisUrl && config.redisClusterNodes.length > 0)
    throw new Error("Set REDIS_URL (one Redis) or REDIS_CLUSTER (a Redis Cluster), not both");
  const log = pino({ level: config.logLevel, name: "cluster" });
  if (config.redisClusterNodes.length > 0) return redisClusterFromConfig(config, log);
  if (!config.redisUrl)
    return { build: { plugins: [healthRoutes()] }, ready: async () => {}, close: async () => {} };
  const { onError, recovered } = throttledLog(
    log,
    "Redis unavailable: updates reach this node's clients only until it is back",
  );
  const layer = new RedisLayer({ url: config.redisUrl, onError });
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  redis.on("error", (err: Error) => onError(err));
  redis.on("ready", recovered);
  const presence = redisPresence({
    redis,
    ttlSeconds: config.presenceTtlS,
    onError: (err) => log.warn(err.message),
  });
  return {
    build: { layer, presence, redis, plugins: [healthRoutes({ layerStatus: () => layer.status })] },
    ready: () => layer.ready(),
    close: async () => {
      presence.close();
      redis.disconnect();
      await layer.close();
    },
  };
}
