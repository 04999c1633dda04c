// Owns the server's configuration: one typed object read from the environment, so that
// main.ts, cli.ts and the tests all build the app the same way.
import { resolve } from "node:path";
import type { StorageConfig } from "./storage/index.ts";

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
  /** Points storage: retention per tier, read pool, upkeep cadence (storage/index.ts). */
  storage: StorageConfig;
  /** Series (metrics) a receiver may create on one dashboard; past it a request is refused (400). */
  maxSeriesPerDashboard: number;
  /** Samples in one receiver request (remote_write, line protocol, OTLP); more is refused (413). */
  maxSamplesPerRequest: number;
  /** Largest decompressed receiver body (snappy / gzip), so a small bomb cannot fill memory. */
  maxDecodedBytes: number;
  /** `GET /metrics`: the bearer token that may scrape it (unset: only `metricsAllow` decides). */
  metricsToken: string | undefined;
  /** `GET /metrics`: client addresses (exact, or IPv4 CIDR) allowed without a token. */
  metricsAllow: string[];
  /** Alert webhooks may reach loopback, private and link-local addresses (tests, trusted networks). */
  alertAllowPrivate: boolean;
  /** Host names, addresses or CIDR networks alert webhooks may reach even when private. */
  alertAllowHosts: string[];
  /** smtp(s)://user:pass@host:port for email contact points; none disables them. */
  smtpUrl: string | undefined;
  smtpFrom: string;
  /** Notification outbox poll and no-data / repeat scan interval. */
  alertPollMs: number;
  /** First retry delay of a failed notification; doubles per attempt. */
  alertRetryBaseMs: number;
};

const repoRoot = resolve(import.meta.dirname, "../../..");

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === "") return fallback;
  return !["0", "false", "no", "off"].includes(value.toLowerCase());
}

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** `15d`, `90d`, `2y`, `12h`: a positive duration in ms. */
export function duration(value: string | undefined, fallback: string, name: string): number {
  const text = value === undefined || value === "" ? fallback : value.trim();
  const m = /^([1-9][0-9]{0,6})([smhdwy])$/.exec(text);
  if (!m) throw new Error(`${name} must be a duration such as 15d, 90d, 2y or 12h, got "${text}"`);
  return Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
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
    storage: {
      retention: {
        0: duration(env.PULSEBOARD_RETENTION_RAW, "15d", "PULSEBOARD_RETENTION_RAW"),
        1: duration(env.PULSEBOARD_RETENTION_1M, "90d", "PULSEBOARD_RETENTION_1M"),
        2: duration(env.PULSEBOARD_RETENTION_1H, "2y", "PULSEBOARD_RETENTION_1H"),
      },
      readThreads: integer(env.PULSEBOARD_READ_THREADS, 2, "PULSEBOARD_READ_THREADS") || 2,
      readsPerUser: integer(env.PULSEBOARD_READS_PER_USER, 4, "PULSEBOARD_READS_PER_USER") || 4,
      readQueue: integer(env.PULSEBOARD_READ_QUEUE, 256, "PULSEBOARD_READ_QUEUE") || 256,
      compactEveryMs: 10_000,
      retentionEveryMs: 60_000,
    },
    maxSeriesPerDashboard: integer(
      env.PULSEBOARD_MAX_SERIES_PER_DASHBOARD,
      10_000,
      "PULSEBOARD_MAX_SERIES_PER_DASHBOARD",
    ),
    maxSamplesPerRequest: integer(
      env.PULSEBOARD_MAX_SAMPLES_PER_REQUEST,
      100_000,
      "PULSEBOARD_MAX_SAMPLES_PER_REQUEST",
    ),
    maxDecodedBytes: integer(
      env.PULSEBOARD_MAX_DECODED_BYTES,
      64 * 1024 * 1024,
      "PULSEBOARD_MAX_DECODED_BYTES",
    ),
    metricsToken: env.PULSEBOARD_METRICS_TOKEN || undefined,
    metricsAllow: (env.PULSEBOARD_METRICS_ALLOW ?? "127.0.0.1,::1")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    alertAllowPrivate: flag(env.PULSEBOARD_ALERT_ALLOW_PRIVATE, false),
    alertAllowHosts: list(env.PULSEBOARD_ALERT_ALLOW_HOSTS),
    smtpUrl: env.PULSEBOARD_SMTP_URL || undefined,
    smtpFrom: env.PULSEBOARD_SMTP_FROM || "Pulseboard <pulseboard@localhost>",
    alertPollMs: integer(env.PULSEBOARD_ALERT_POLL_MS, 1000, "PULSEBOARD_ALERT_POLL_MS") || 1000,
    alertRetryBaseMs: integer(env.PULSEBOARD_ALERT_RETRY_BASE_MS, 1000, "PULSEBOARD_ALERT_RETRY_BASE_MS"),
    ...overrides,
  };
}
