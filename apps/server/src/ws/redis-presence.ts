// Owns the cluster-wide connection count per dashboard (many nodes, one Redis). Each node
// writes its own count under a per-node key with a TTL and refreshes it on a heartbeat, so a
// node that dies stops counting once its key expires; the total is the sum over live node keys,
// computed atomically in one Lua call. While Redis is unreachable the node answers with its
// local count (and says so in the log) instead of failing the connection.
// A dashboard's keys share one `{hash tag}`, so on a Redis Cluster the script runs on the one
// shard that owns them.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { coalesceFresh } from "./coalesce.ts";
import type { PresenceCounter } from "./presence.ts";

/** Runs a Lua script on the Redis (or Cluster shard) that owns `keys` (RedisClusterLayer.eval). */
export type ScriptRunner = (script: string, keys: string[], args: Array<string | number>) => Promise<unknown>;

export type RedisPresenceOptions = {
  /** One Redis, or a runner that routes by key (a Redis Cluster). */
  redis: Redis | ScriptRunner;
  /** Key prefix (several deployments may share one Redis). */
  prefix?: string;
  /** A dead node's connections stop counting after this long. */
  ttlSeconds?: number;
  /** Give up on Redis for one call after this long (the handshake must not hang on it). */
  timeoutMs?: number;
  onError?: (err: Error) => void;
};

export type RedisPresence = PresenceCounter & { readonly nodeId: string; close(): void };

// KEYS[1]: the dashboard's set of node ids. ARGV: node-key prefix (same hash tag), node id, count, ttl.
const UPDATE_AND_SUM = `
redis.call('SET', ARGV[1] .. ARGV[2], ARGV[3], 'EX', ARGV[4])
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], 86400)
local total = 0
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('GET', ARGV[1] .. node)
  if v then total = total + tonumber(v) else redis.call('SREM', KEYS[1], node) end
end
return total`;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export function redisPresence(options: RedisPresenceOptions): RedisPresence {
  const { redis } = options;
  const run: ScriptRunner =
    typeof redis === "function"
      ? redis
      : (script, keys, args) => redis.eval(script, keys.length, ...keys, ...args);
  const prefix = options.prefix ?? "pb:presence:";
  const ttl = options.ttlSeconds ?? 30;
  const timeoutMs = options.timeoutMs ?? 1000;
  const onError = options.onError ?? ((err) => console.error("[presence]", err.message));
  const nodeId = randomUUID();
  const local = new Map<number, Set<string>>();

  async function publishCount(dashboardId: number): Promise<number> {
    const count = local.get(dashboardId)?.size ?? 0;
    try {
      const total = await withTimeout(
        run(
          UPDATE_AND_SUM,
          [`${prefix}{${dashboardId}}:nodes`],
          [`${prefix}{${dashboardId}}:node:`, nodeId, count, ttl],
        ),
        timeoutMs,
      );
      return Number(total);
    } catch (err) {
      onError(
        new Error(`presence count for dashboard ${dashboardId} is local only: ${(err as Error).message}`),
      );
      return count;
    }
  }

  // A burst of joins (a node taking over another's clients) shares its Lua calls: each caller
  // still gets a total counted after its own change.
  const publish = coalesceFresh(publishCount);

  // Refresh well before the TTL, so only a node that is really gone expires.
  const heartbeat = setInterval(
    () => {
      for (const dashboardId of local.keys()) void publish(dashboardId);
    },
    Math.max(250, (ttl * 1000) / 3),
  );
  heartbeat.unref();

  return {
    nodeId,
    async join(dashboardId, connectionId) {
      const set = local.get(dashboardId) ?? new Set<string>();
      local.set(dashboardId, set);
      set.add(connectionId);
      return publish(dashboardId);
    },
    async leave(dashboardId, connectionId) {
      const set = local.get(dashboardId);
      set?.delete(connectionId);
      const total = await publish(dashboardId);
      if (set && set.size === 0) local.delete(dashboardId);
      return total;
    },
    close() {
      clearInterval(heartbeat);
    },
  };
}
