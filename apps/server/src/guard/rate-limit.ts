// Owns REST and ingest rate limits (@fastify/rate-limit): per user on the REST API (all of a
// user's sessions and tokens share one budget), per token on ingest (a program), per address for
// anonymous calls. Answered 429 PB_ERR_RATE_LIMITED with Retry-After. With REDIS_URL the counts
// live in Redis, so every node of a cluster enforces one limit; if Redis is away the limit is
// skipped rather than failing requests (availability over strictness for a soft limit).
import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";

const isIngest = (request: FastifyRequest) => request.url.startsWith("/api/v1/ingest");

export async function registerRateLimits(app: FastifyInstance, config: Config, redis?: Redis) {
  await app.register(fastifyRateLimit, {
    global: true,
    // After authentication (app.ts' preHandler), so the key can be the caller.
    hook: "preHandler",
    timeWindow: 60_000,
    max: (request) => (isIngest(request) ? config.ingestRequestsPerMinute : config.apiRequestsPerMinute),
    allowList: (request) =>
      !request.url.startsWith("/api/") ||
      request.url.startsWith("/api/v1/health") ||
      (isIngest(request) ? config.ingestRequestsPerMinute : config.apiRequestsPerMinute) === 0,
    keyGenerator: (request) => {
      const p = request.principal;
      if (!p) return `anon:${request.ip}`;
      if (isIngest(request))
        return p.tokenId !== undefined ? `ingest:token:${p.tokenId}` : `ingest:user:${p.userId}`;
      return `api:user:${p.userId}`;
    },
    ...(redis ? { redis, nameSpace: "pb-rate:", skipOnError: true } : {}),
    // Thrown to app.ts' error handler, which answers in the API's error shape.
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`), {
        statusCode: 429,
      }),
  });
}
