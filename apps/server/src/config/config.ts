// Owns the server's configuration: one typed object read from the environment and, when
// PULSEBOARD_CONFIG names one, a JSON file (config-file.ts; the environment wins), so that
// main.ts, cli.ts and the tests all build the app the same way. Bad values throw naming the key.
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import type { StorageConfig } from "../storage/index.ts";
import { readConfigFile } from "./config-file.ts";
import { csv, duration, flag, httpUrl, int, parseEnv, positive, text, textOr } from "./env.ts";

export type Config = {
  host: string;
  port: number;
  /** SQLite file lives here unless `databaseUrl` is set. */
  dataDir: string;
  /** postgres://… selects PostgreSQL; undefined selects SQLite. */
  databaseUrl: string | undefined;
  /** redis://… joins a cluster: RedisLayer between nodes, presence counted in Redis. */
  redisUrl: string | undefined;
  /** Seed nodes of a Redis Cluster (sharded pub/sub, Redis 7): the cluster channel layer and presence. */
  redisClusterNodes: string[];
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
  /** Series (metrics) a receiver may create on one dashboard; past it a request is refused (400, PULSEBOARD_MAX_PENDING_INVITATIONS). */
  maxSeriesPerDashboard: number;
  /** Pending invitations one dashboard may hold; inviting one more is refused (400); 0: no cap. */
  maxPendingInvitations: number;
  /** Points a `resume` by position replays at most; a longer gap answers `recovered: false`. */
  maxReplay: number;
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
  // Abuse limits (guard/, issue 15): every one can be changed; 0 switches a cap off.
  /** The URL people open (behind a proxy: the proxy's); its host is allowed by default. */
  publicUrl: string | undefined;
  /** Host names this server answers to (Host header and WebSocket Origin); see guard/hosts.ts. */
  allowedHosts: string[];
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  /** Open connections per address that are not (yet) WebSockets. */
  maxSocketsPerAddress: number;
  /** Open WebSockets per user on one node. */
  wsMaxPerUser: number;
  /** WebSocket handshakes in progress per address. */
  wsMaxPendingPerAddress: number;
  /** Client frames per WebSocket per second (also the burst); over → close 4029. */
  wsMessagesPerSecond: number;
  /** New WebSocket handshakes per address per minute (also the burst). */
  wsHandshakesPerMinute: number;
  /** REST requests per user (or token) per minute; anonymous ones per address. */
  apiRequestsPerMinute: number;
  /** Login requests per address per minute (cheaper to refuse than to hash). */
  loginRequestsPerMinute: number;
  /** Ingest requests per token (or user) per minute. */
  ingestRequestsPerMinute: number;
  /** How long a rate limit's 429 is held before it is sent (a closed-loop flood then costs little). */
  rateLimitDelayMs: number;
  /** Failed logins per address across user names, and per user name across addresses, per minute. */
  loginFailuresPerAddress: number;
  loginFailuresPerUsername: number;
  /** Password hashes computed at once; further ones wait in a short queue, then 429. */
  passwordHashConcurrency: number;
  passwordHashQueue: number;
  /** Shortest password accepted (auth/password-policy.ts). */
  passwordMinLength: number;
  /** Audit events older than this are purged (0: kept for ever). */
  auditRetentionDays: number;
  /** Every live socket's access is read again from storage this often (0: only on layer recovery). */
  accessRecheckMs: number;
  /** First run: the demo user's password; unset, a random one is generated and printed once. */
  demoPassword: string | undefined;
  /** A drain (SIGTERM) that takes longer exits with status 1. */
  shutdownTimeoutMs: number;
  /**
   * A drain (SIGTERM) first asks every WebSocket client to move (`draining`) and keeps streaming to
   * it for up to this long while it reconnects elsewhere; those left are then closed with 1012. 0: at once.
   */
  drainHandoverMs: number;
  /** WebSocket handshakes (credentials, config, history) kept in memory this long; 0 disables. */
  handshakeCacheTtlMs: number;
  /** Pending TCP connections the kernel queues for us (a reconnect storm arrives all at once). */
  listenBacklog: number;
  /** WebSocket handshakes run at once; the rest wait their turn (admission pacing in a reconnect storm). */
  maxConcurrentHandshakes: number;
  /** OpenID Connect single sign-on (sso/); undefined while no issuer is set. */
  oidc: OidcSettings | undefined;
  /** Password login (`POST /api/v1/auth/login`); off, single sign-on is the only way in. */
  localLogin: boolean;
};

export type OidcSettings = {
  /** The provider's issuer URL; its discovery document is read from `/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Unset: a public client (PKCE only, no client authentication). */
  clientSecret: string | undefined;
  /** Where the provider sends the browser back; unset, the public URL's `/api/v1/auth/oidc/callback`. */
  redirectUrl: string | undefined;
  /** Shown on the login page's "Sign in with …" button. */
  name: string;
  scopes: string;
  /** Claim whose values (a list of group names) are mapped to teams; unset, no mapping. */
  groupsClaim: string | undefined;
  /** Group name → team names. Mapped teams follow the claim on every login (added and removed). */
  groupTeams: Record<string, string[]>;
};

const repoRoot = resolve(import.meta.dirname, "../../../..");

/** Every environment variable the server reads, with its kind and default (README, "Configuration"). */
const envSchema = z.object({
  HOST: textOr("127.0.0.1"),
  PORT: int(8080),
  PULSEBOARD_DATA_DIR: textOr("./data"),
  DATABASE_URL: text(),
  REDIS_URL: text(),
  REDIS_CLUSTER: csv(),
  PULSEBOARD_PRESENCE_TTL_S: positive(30),
  PULSEBOARD_WEB_DIST: textOr(resolve(repoRoot, "apps/web/dist")),
  LOG_LEVEL: textOr("info"),
  PULSEBOARD_SESSION_TTL_S: int(7 * 24 * 3600),
  PULSEBOARD_BODY_LIMIT: int(4 * 1024 * 1024),
  PULSEBOARD_SECURE_COOKIES: flag(false),
  PULSEBOARD_SYNTHETIC: flag(false),
  PULSEBOARD_SYSTEM: flag(false),
  PULSEBOARD_SCRAPE: csv(),
  PULSEBOARD_COLLECTOR_INTERVAL_MS: int(1000),
  PULSEBOARD_DEMO: flag(true),
  PULSEBOARD_ALLOWED_ORIGINS: csv(),
  PULSEBOARD_TRUST_PROXY: flag(false),
  PULSEBOARD_SEND_COMPLETION: flag(false),
  PULSEBOARD_MAX_BUFFERED_BYTES: int(4 * 1024 * 1024),
  PULSEBOARD_SLOW_CONSUMER_GRACE_MS: int(5000),
  PULSEBOARD_RETENTION_RAW: duration("15d"),
  PULSEBOARD_RETENTION_1M: duration("90d"),
  PULSEBOARD_RETENTION_1H: duration("2y"),
  PULSEBOARD_READ_THREADS: positive(2),
  PULSEBOARD_READS_PER_USER: positive(4),
  PULSEBOARD_READ_QUEUE: positive(256),
  PULSEBOARD_READ_NICE: int(5),
  PULSEBOARD_MAX_REPLAY: int(100_000),
  PULSEBOARD_MAX_SERIES_PER_DASHBOARD: int(10_000),
  PULSEBOARD_MAX_PENDING_INVITATIONS: int(200),
  PULSEBOARD_MAX_SAMPLES_PER_REQUEST: int(100_000),
  PULSEBOARD_MAX_DECODED_BYTES: int(64 * 1024 * 1024),
  PULSEBOARD_METRICS_TOKEN: text(),
  PULSEBOARD_METRICS_ALLOW: csv("127.0.0.1,::1"),
  PULSEBOARD_ALERT_ALLOW_PRIVATE: flag(false),
  PULSEBOARD_ALERT_ALLOW_HOSTS: csv(),
  PULSEBOARD_SMTP_URL: text(),
  PULSEBOARD_SMTP_FROM: textOr("Pulseboard <pulseboard@localhost>"),
  PULSEBOARD_ALERT_POLL_MS: positive(1000),
  PULSEBOARD_ALERT_RETRY_BASE_MS: int(1000),
  PULSEBOARD_SHUTDOWN_TIMEOUT_MS: int(20_000),
  PULSEBOARD_DRAIN_HANDOVER_MS: int(5_000),
  PULSEBOARD_HANDSHAKE_CACHE_TTL_MS: int(60_000),
  PULSEBOARD_LISTEN_BACKLOG: positive(4096),
  PULSEBOARD_MAX_HANDSHAKES: positive(64),
  PULSEBOARD_LOCAL_LOGIN: flag(true),
  // The abuse limits (README, "Limits"): defaults a normal dashboard never meets.
  PULSEBOARD_PUBLIC_URL: httpUrl(),
  PULSEBOARD_ALLOWED_HOSTS: csv(),
  PULSEBOARD_HEADERS_TIMEOUT_MS: int(10_000),
  PULSEBOARD_REQUEST_TIMEOUT_MS: int(30_000),
  PULSEBOARD_KEEPALIVE_TIMEOUT_MS: int(72_000),
  PULSEBOARD_IDLE_TIMEOUT_MS: int(60_000),
  PULSEBOARD_MAX_SOCKETS_PER_ADDRESS: int(256),
  PULSEBOARD_WS_MAX_PER_USER: int(200),
  PULSEBOARD_WS_MAX_PENDING_PER_ADDRESS: int(64),
  PULSEBOARD_WS_HANDSHAKES_PER_MINUTE: int(600),
  PULSEBOARD_WS_MESSAGES_PER_SECOND: int(50),
  PULSEBOARD_API_REQUESTS_PER_MINUTE: int(1200),
  PULSEBOARD_INGEST_REQUESTS_PER_MINUTE: int(6000),
  PULSEBOARD_LOGIN_REQUESTS_PER_MINUTE: int(120),
  PULSEBOARD_RATE_LIMIT_DELAY_MS: int(500),
  PULSEBOARD_LOGIN_FAILURES_PER_ADDRESS: int(50),
  PULSEBOARD_LOGIN_FAILURES_PER_USERNAME: int(20),
  // Half the cores: scrypt threads compete with the event loop for CPU (on 2 cores, one).
  PULSEBOARD_PASSWORD_HASH_CONCURRENCY: int(Math.max(1, Math.floor(availableParallelism() / 2))),
  PULSEBOARD_PASSWORD_HASH_QUEUE: int(8),
  PULSEBOARD_PASSWORD_MIN_LENGTH: int(10),
  PULSEBOARD_ACCESS_RECHECK_S: int(60),
  PULSEBOARD_AUDIT_RETENTION_DAYS: int(90),
  PULSEBOARD_DEMO_PASSWORD: text(),
  // Single sign-on: only read when PULSEBOARD_OIDC_ISSUER is set.
  PULSEBOARD_OIDC_ISSUER: httpUrl(),
  PULSEBOARD_OIDC_REDIRECT_URL: httpUrl(),
  PULSEBOARD_OIDC_CLIENT_ID: text(),
  PULSEBOARD_OIDC_CLIENT_SECRET: text(),
  PULSEBOARD_OIDC_NAME: text(),
  PULSEBOARD_OIDC_SCOPES: textOr("openid profile email"),
  PULSEBOARD_OIDC_GROUPS_CLAIM: text(),
  PULSEBOARD_OIDC_GROUP_TEAMS: text(),
});

type Env = z.output<typeof envSchema>;

/**
 * `defaults` are environment-style values that the file and the environment both override
 * (main.ts turns the collectors on by default this way).
 */
export function loadConfig(
  given: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
  defaults: Record<string, string> = {},
): Config {
  const file = given.PULSEBOARD_CONFIG ? readConfigFile(given.PULSEBOARD_CONFIG) : {};
  const merged: NodeJS.ProcessEnv = { ...defaults, ...file };
  for (const [key, value] of Object.entries(given))
    if (value !== undefined && value !== "") merged[key] = value;
  const env = parseEnv(envSchema, merged);
  return {
    host: env.HOST,
    port: env.PORT,
    dataDir: resolve(env.PULSEBOARD_DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisClusterNodes: env.REDIS_CLUSTER,
    presenceTtlS: env.PULSEBOARD_PRESENCE_TTL_S,
    webDist: resolve(env.PULSEBOARD_WEB_DIST),
    logLevel: env.LOG_LEVEL,
    sessionTtlMs: env.PULSEBOARD_SESSION_TTL_S * 1000,
    bodyLimit: env.PULSEBOARD_BODY_LIMIT,
    secureCookies: env.PULSEBOARD_SECURE_COOKIES,
    synthetic: env.PULSEBOARD_SYNTHETIC,
    system: env.PULSEBOARD_SYSTEM,
    scrapeTargets: env.PULSEBOARD_SCRAPE,
    collectorIntervalMs: env.PULSEBOARD_COLLECTOR_INTERVAL_MS,
    seedDemo: env.PULSEBOARD_DEMO,
    allowedOrigins: env.PULSEBOARD_ALLOWED_ORIGINS,
    trustProxy: env.PULSEBOARD_TRUST_PROXY,
    sendCompletion: env.PULSEBOARD_SEND_COMPLETION,
    maxBufferedBytes: env.PULSEBOARD_MAX_BUFFERED_BYTES,
    slowConsumerGraceMs: env.PULSEBOARD_SLOW_CONSUMER_GRACE_MS,
    storage: {
      retention: {
        0: env.PULSEBOARD_RETENTION_RAW,
        1: env.PULSEBOARD_RETENTION_1M,
        2: env.PULSEBOARD_RETENTION_1H,
      },
      readThreads: env.PULSEBOARD_READ_THREADS,
      readsPerUser: env.PULSEBOARD_READS_PER_USER,
      readQueue: env.PULSEBOARD_READ_QUEUE,
      readNice: env.PULSEBOARD_READ_NICE,
      compactEveryMs: 10_000,
      retentionEveryMs: 60_000,
    },
    maxReplay: env.PULSEBOARD_MAX_REPLAY,
    maxSeriesPerDashboard: env.PULSEBOARD_MAX_SERIES_PER_DASHBOARD,
    maxPendingInvitations: env.PULSEBOARD_MAX_PENDING_INVITATIONS,
    maxSamplesPerRequest: env.PULSEBOARD_MAX_SAMPLES_PER_REQUEST,
    maxDecodedBytes: env.PULSEBOARD_MAX_DECODED_BYTES,
    metricsToken: env.PULSEBOARD_METRICS_TOKEN,
    metricsAllow: env.PULSEBOARD_METRICS_ALLOW,
    alertAllowPrivate: env.PULSEBOARD_ALERT_ALLOW_PRIVATE,
    alertAllowHosts: env.PULSEBOARD_ALERT_ALLOW_HOSTS,
    smtpUrl: env.PULSEBOARD_SMTP_URL,
    smtpFrom: env.PULSEBOARD_SMTP_FROM,
    alertPollMs: env.PULSEBOARD_ALERT_POLL_MS,
    alertRetryBaseMs: env.PULSEBOARD_ALERT_RETRY_BASE_MS,
    publicUrl: env.PULSEBOARD_PUBLIC_URL,
    allowedHosts: env.PULSEBOARD_ALLOWED_HOSTS,
    headersTimeoutMs: env.PULSEBOARD_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.PULSEBOARD_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: env.PULSEBOARD_KEEPALIVE_TIMEOUT_MS,
    idleTimeoutMs: env.PULSEBOARD_IDLE_TIMEOUT_MS,
    maxSocketsPerAddress: env.PULSEBOARD_MAX_SOCKETS_PER_ADDRESS,
    wsMaxPerUser: env.PULSEBOARD_WS_MAX_PER_USER,
    wsMaxPendingPerAddress: env.PULSEBOARD_WS_MAX_PENDING_PER_ADDRESS,
    wsHandshakesPerMinute: env.PULSEBOARD_WS_HANDSHAKES_PER_MINUTE,
    wsMessagesPerSecond: env.PULSEBOARD_WS_MESSAGES_PER_SECOND,
    apiRequestsPerMinute: env.PULSEBOARD_API_REQUESTS_PER_MINUTE,
    ingestRequestsPerMinute: env.PULSEBOARD_INGEST_REQUESTS_PER_MINUTE,
    loginRequestsPerMinute: env.PULSEBOARD_LOGIN_REQUESTS_PER_MINUTE,
    rateLimitDelayMs: env.PULSEBOARD_RATE_LIMIT_DELAY_MS,
    loginFailuresPerAddress: env.PULSEBOARD_LOGIN_FAILURES_PER_ADDRESS,
    loginFailuresPerUsername: env.PULSEBOARD_LOGIN_FAILURES_PER_USERNAME,
    passwordHashConcurrency: env.PULSEBOARD_PASSWORD_HASH_CONCURRENCY,
    passwordHashQueue: env.PULSEBOARD_PASSWORD_HASH_QUEUE,
    passwordMinLength: env.PULSEBOARD_PASSWORD_MIN_LENGTH,
    accessRecheckMs: env.PULSEBOARD_ACCESS_RECHECK_S * 1000,
    auditRetentionDays: env.PULSEBOARD_AUDIT_RETENTION_DAYS,
    demoPassword: env.PULSEBOARD_DEMO_PASSWORD,
    shutdownTimeoutMs: env.PULSEBOARD_SHUTDOWN_TIMEOUT_MS,
    drainHandoverMs: env.PULSEBOARD_DRAIN_HANDOVER_MS,
    handshakeCacheTtlMs: env.PULSEBOARD_HANDSHAKE_CACHE_TTL_MS,
    listenBacklog: env.PULSEBOARD_LISTEN_BACKLOG,
    maxConcurrentHandshakes: env.PULSEBOARD_MAX_HANDSHAKES,
    oidc: oidcFrom(env),
    localLogin: env.PULSEBOARD_LOCAL_LOGIN,
    ...overrides,
  };
}

/** Single sign-on settings, or undefined without PULSEBOARD_OIDC_ISSUER. */
function oidcFrom(env: Env): OidcSettings | undefined {
  const issuer = env.PULSEBOARD_OIDC_ISSUER;
  if (!issuer) return undefined;
  const clientId = env.PULSEBOARD_OIDC_CLIENT_ID;
  if (!clientId) throw new Error("PULSEBOARD_OIDC_CLIENT_ID must be set when PULSEBOARD_OIDC_ISSUER is");
  return {
    issuer,
    clientId,
    clientSecret: env.PULSEBOARD_OIDC_CLIENT_SECRET,
    redirectUrl: env.PULSEBOARD_OIDC_REDIRECT_URL,
    name: env.PULSEBOARD_OIDC_NAME ?? new URL(issuer).hostname,
    scopes: env.PULSEBOARD_OIDC_SCOPES,
    groupsClaim: env.PULSEBOARD_OIDC_GROUPS_CLAIM,
    groupTeams: groupTeams(env.PULSEBOARD_OIDC_GROUP_TEAMS),
  };
}

/**
 * `group=team,group=team2`, or a JSON object `{"group": "team" | ["team", …]}` for group names
 * holding `=` or `,` (LDAP-style names such as `CN=sre,OU=groups`).
 */
export function groupTeams(value: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (group: string, team: string) => {
    if (!group || !team)
      throw new Error(`PULSEBOARD_OIDC_GROUP_TEAMS: "${group}=${team}" needs a group and a team name`);
    out[group] = [...(out[group] ?? []), team];
  };
  const text = value?.trim() ?? "";
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error("PULSEBOARD_OIDC_GROUP_TEAMS: not valid JSON");
    }
    for (const [group, teams] of Object.entries(parsed as Record<string, unknown>)) {
      const list = Array.isArray(teams) ? teams : [teams];
      for (const team of list) {
        if (typeof team !== "string")
          throw new Error(`PULSEBOARD_OIDC_GROUP_TEAMS: the team of "${group}" must be a name`);
        add(group, team.trim());
      }
    }
    return out;
  }
  for (const pair of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.lastIndexOf("=");
    add(pair.slice(0, Math.max(0, at)).trim(), at < 0 ? "" : pair.slice(at + 1).trim());
  }
  return out;
}

/** Problems no single key shows (combinations, URLs); empty when the configuration is usable. */
export function configProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.redisUrl && config.redisClusterNodes.length > 0)
    problems.push("REDIS_URL (redisUrl) and REDIS_CLUSTER (redisCluster) are both set; choose one");
  for (const node of config.redisClusterNodes) {
    try {
      const u = new URL(node.includes("://") ? node : `redis://${node}`);
      if (!u.hostname) throw new Error("no host");
    } catch {
      problems.push(`REDIS_CLUSTER (redisCluster): "${node}" is not a redis://host:port address`);
    }
  }
  if (!config.localLogin && !config.oidc)
    problems.push(
      "PULSEBOARD_LOCAL_LOGIN (localLogin) is off and no PULSEBOARD_OIDC_ISSUER (oidcIssuer) is set: nobody could sign in",
    );
  if (config.oidc && !config.oidc.redirectUrl && !config.publicUrl)
    problems.push(
      "single sign-on needs PULSEBOARD_OIDC_REDIRECT_URL (oidcRedirectUrl) or PULSEBOARD_PUBLIC_URL (publicUrl) to tell the provider where to send people back",
    );
  if (config.databaseUrl) {
    try {
      new URL(config.databaseUrl);
    } catch {
      problems.push("DATABASE_URL (databaseUrl) is not a URL");
    }
  }
  return problems;
}

/** One line for operators: where data lives and how nodes talk (no secrets). */
export function describeConfig(config: Config): string {
  const storage = config.databaseUrl
    ? `PostgreSQL at ${new URL(config.databaseUrl).host}`
    : `SQLite in ${config.dataDir}`;
  const layer =
    config.redisClusterNodes.length > 0
      ? `Redis Cluster (${config.redisClusterNodes.length} seed nodes)`
      : config.redisUrl
        ? "one Redis"
        : "in-process";
  const signIn = [
    ...(config.localLogin ? ["password"] : []),
    ...(config.oidc ? [`OpenID Connect (${new URL(config.oidc.issuer).host})`] : []),
  ].join(" + ");
  return `listen ${config.host}:${config.port}, storage ${storage}, channel layer ${layer}, sign-in ${signIn || "none"}`;
}
