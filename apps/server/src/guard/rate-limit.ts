// Owns REST and ingest rate limits (@fastify/rate-limit): per user on the REST API (all of a
// user's sessions and tokens share one budget), per token on ingest (a program), per address for
// logins and other anonymous calls. Answered 429 PB_ERR_RATE_LIMITED with Retry-After. With REDIS_URL the counts
// live in Redis, so every node of a cluster enforces one limit; if Redis is away the limit is
// skipped rather than failing requests (availability over strictness for a soft limit).
// A refused request's 429 is held for PULSEBOARD_RATE_LIMIT_DELAY_MS before it is sent: a flood
// that waits for each answer (a login spray on 50 connections) then sends 100 requests a second
// instead of thousands, each of which cost a parse and an answer on the event loop everyone shares.
import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "../config/config.ts";

/** On a rate limit's error: how long app.ts' error handler holds the 429 (ms). */
export const HELD = Symbol("held");

/** The hold of a rate limit's refusal, 0 for any other error. */
export const heldFor = (error: unknown): number => Number((error as { [HELD]?: number } | null)?.[HELD] ?? 0);

const isIngest = (request: FastifyRequest) => request.url.startsWith("/api/v1/ingest");
const isLogin = (request: FastifyRequest) => request.url.startsWith("/api/v1/auth/login");

/** The budget of this request's kind per minute (0: unlimited). */
function budget(config: Config, request: FastifyRequest): number {
  if (isLogin(request)) return config.loginRequestsPerMinute;
  return isIngest(request) ? config.ingestRequestsPerMinute : config.apiRequestsPerMinute;
}

export async function registerRateLimits(app: FastifyInstance, config: Config, redis?: Redis) {
  await app.register(fastifyRateLimit, {
    global: true,
    // After authentication (app.ts' preHandler), so the key can be the caller.
    hook: "preHandler",
    timeWindow: 60_000,
    max: (request) => budget(config, request),
    allowList: (request) =>
      !request.url.startsWith("/api/") ||
      request.url.startsWith("/api/v1/health") ||
      budget(config, request) === 0,
    keyGenerator: (request) => {
      // Logins per address, whoever they claim to be: a spray is refused before any hashing.
      if (isLogin(request)) return `login:${request.ip}`;
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
        [HELD]: config.rateLimitDelayMs,
      }),
  });
}
