// Owns the server's configuration: one typed object read from the environment, so that
// main.ts, cli.ts and the tests all build the app the same way.
import { resolve } from "node:path";

export type Config = {
  host: string;
  port: number;
  /** SQLite file lives here unless `databaseUrl` is set. */
  dataDir: string;
  /** postgres://… selects PostgreSQL; undefined selects SQLite. */
  databaseUrl: string | undefined;
  /** redis://… joins a cluster: RedisLayer between nodes, presence counted in Redis. */
  redisUrl: string | undefined;
  /** A dead node's connections stop counting in presence after this many seconds. */
  presenceTtlS: number;
  /** Built web UI served at `/` (SPA fallback); a hint page is served when missing. */
  webDist: string;
  logLevel: string;
  /** Session lifetime; sessions are stored server-side and expire. */
  sessionTtlMs: number;
  /** Largest accepted REST body (ingest of 10,000 points fits comfortably). */
  bodyLimit: number;
  /** Mark the session cookie Secure (behind TLS). */
  secureCookies: boolean;
  synthetic: boolean;
  system: boolean;
  scrapeTargets: string[];
  collectorIntervalMs: number;
  /** Seed the demo user and dashboards on first start. */
  seedDemo: boolean;
  /** Browser Origins allowed on WebSocket handshakes besides the server's own host. */
  allowedOrigins: string[];
  /** Trust X-Forwarded-* (behind nginx). */
  trustProxy: boolean;
  /** The protocol's `send_completion`: `complete` after every client frame on dashboard sockets. */
  sendCompletion: boolean;
  /** Per-client unsent bytes before a client counts as behind (framework default 4 MiB). */
  maxBufferedBytes: number;
  /** How long a client may stay behind before it is closed with 4008. */
  slowConsumerGraceMs: number;
  /** WebSocket handshakes (credentials, config, history) kept in memory this long; 0 disables. */
  handshakeCacheTtlMs: number;
  /** Pending TCP connections the kernel queues for us (a reconnect storm arrives all at once). */
  listenBacklog: number;
  /** WebSocket handshakes run at once; the rest wait their turn (admission pacing in a reconnect storm). */
  maxConcurrentHandshakes: number;
};

const repoRoot = resolve(import.meta.dirname, "../../..");

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === "") return fallback;
  return !["0", "false", "no", "off"].includes(value.toLowerCase());
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  return {
    host: env.HOST || "127.0.0.1",
    port: integer(env.PORT, 8080, "PORT"),
    dataDir: resolve(env.PULSEBOARD_DATA_DIR || "./data"),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    presenceTtlS: integer(env.PULSEBOARD_PRESENCE_TTL_S, 30, "PULSEBOARD_PRESENCE_TTL_S") || 30,
    webDist: resolve(env.PULSEBOARD_WEB_DIST || resolve(repoRoot, "apps/web/dist")),
    logLevel: env.LOG_LEVEL || "info",
    sessionTtlMs: integer(env.PULSEBOARD_SESSION_TTL_S, 7 * 24 * 3600, "PULSEBOARD_SESSION_TTL_S") * 1000,
    bodyLimit: integer(env.PULSEBOARD_BODY_LIMIT, 4 * 1024 * 1024, "PULSEBOARD_BODY_LIMIT"),
    secureCookies: flag(env.PULSEBOARD_SECURE_COOKIES, false),
    synthetic: flag(env.PULSEBOARD_SYNTHETIC, false),
    system: flag(env.PULSEBOARD_SYSTEM, false),
    scrapeTargets: (env.PULSEBOARD_SCRAPE ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    collectorIntervalMs: integer(
      env.PULSEBOARD_COLLECTOR_INTERVAL_MS,
      1000,
      "PULSEBOARD_COLLECTOR_INTERVAL_MS",
    ),
    seedDemo: flag(env.PULSEBOARD_DEMO, true),
    allowedOrigins: (env.PULSEBOARD_ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    trustProxy: flag(env.PULSEBOARD_TRUST_PROXY, false),
    sendCompletion: flag(env.PULSEBOARD_SEND_COMPLETION, false),
    maxBufferedBytes: integer(
      env.PULSEBOARD_MAX_BUFFERED_BYTES,
      4 * 1024 * 1024,
      "PULSEBOARD_MAX_BUFFERED_BYTES",
    ),
    slowConsumerGraceMs: integer(
      env.PULSEBOARD_SLOW_CONSUMER_GRACE_MS,
      5000,
      "PULSEBOARD_SLOW_CONSUMER_GRACE_MS",
    ),
    handshakeCacheTtlMs: integer(
      env.PULSEBOARD_HANDSHAKE_CACHE_TTL_MS,
      60_000,
      "PULSEBOARD_HANDSHAKE_CACHE_TTL_MS",
    ),
    listenBacklog: integer(env.PULSEBOARD_LISTEN_BACKLOG, 4096, "PULSEBOARD_LISTEN_BACKLOG") || 4096,
    maxConcurrentHandshakes: integer(env.PULSEBOARD_MAX_HANDSHAKES, 64, "PULSEBOARD_MAX_HANDSHAKES") || 64,
    ...overrides,
  };
}
