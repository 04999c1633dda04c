// Owns the server's configuration: one typed object read from the environment and, when
// PULSEBOARD_CONFIG names one, a JSON file (config-file.ts; the environment wins), so that
// main.ts, cli.ts and the tests all build the app the same way. Bad values throw naming the key.
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { StorageConfig } from "../storage/index.ts";
import { readConfigFile } from "./config-file.ts";

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
  /** Series (metrics) a receiver may create on one dashboard; past it a request is refused (400). */
  maxSeriesPerDashboard: number;
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
  const env: NodeJS.ProcessEnv = { ...defaults, ...file };
  for (const [key, value] of Object.entries(given)) if (value !== undefined && value !== "") env[key] = value;
  return {
    host: env.HOST || "127.0.0.1",
    port: integer(env.PORT, 8080, "PORT"),
    dataDir: resolve(env.PULSEBOARD_DATA_DIR || "./data"),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisClusterNodes: (env.REDIS_CLUSTER ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
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
    maxReplay: integer(env.PULSEBOARD_MAX_REPLAY, 100_000, "PULSEBOARD_MAX_REPLAY"),
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
    ...limitsFrom(env),
    shutdownTimeoutMs: integer(env.PULSEBOARD_SHUTDOWN_TIMEOUT_MS, 20_000, "PULSEBOARD_SHUTDOWN_TIMEOUT_MS"),
    handshakeCacheTtlMs: integer(
      env.PULSEBOARD_HANDSHAKE_CACHE_TTL_MS,
      60_000,
      "PULSEBOARD_HANDSHAKE_CACHE_TTL_MS",
    ),
    listenBacklog: integer(env.PULSEBOARD_LISTEN_BACKLOG, 4096, "PULSEBOARD_LISTEN_BACKLOG") || 4096,
    maxConcurrentHandshakes: integer(env.PULSEBOARD_MAX_HANDSHAKES, 64, "PULSEBOARD_MAX_HANDSHAKES") || 64,
    oidc: oidcFrom(env),
    localLogin: flag(env.PULSEBOARD_LOCAL_LOGIN, true),
    ...overrides,
  };
}

/** The abuse limits (README, "Limits"): defaults a normal dashboard never meets. */
function limitsFrom(env: NodeJS.ProcessEnv) {
  const n = (name: string, fallback: number) => integer(env[name], fallback, name);
  const publicUrl = env.PULSEBOARD_PUBLIC_URL || undefined;
  if (publicUrl && !/^https?:\/\/[^/]+/.test(publicUrl))
    throw new Error(`PULSEBOARD_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  return {
    publicUrl,
    allowedHosts: list(env.PULSEBOARD_ALLOWED_HOSTS),
    headersTimeoutMs: n("PULSEBOARD_HEADERS_TIMEOUT_MS", 10_000),
    requestTimeoutMs: n("PULSEBOARD_REQUEST_TIMEOUT_MS", 30_000),
    keepAliveTimeoutMs: n("PULSEBOARD_KEEPALIVE_TIMEOUT_MS", 72_000),
    idleTimeoutMs: n("PULSEBOARD_IDLE_TIMEOUT_MS", 60_000),
    maxSocketsPerAddress: n("PULSEBOARD_MAX_SOCKETS_PER_ADDRESS", 256),
    wsMaxPerUser: n("PULSEBOARD_WS_MAX_PER_USER", 200),
    wsMaxPendingPerAddress: n("PULSEBOARD_WS_MAX_PENDING_PER_ADDRESS", 64),
    wsHandshakesPerMinute: n("PULSEBOARD_WS_HANDSHAKES_PER_MINUTE", 600),
    wsMessagesPerSecond: n("PULSEBOARD_WS_MESSAGES_PER_SECOND", 50),
    apiRequestsPerMinute: n("PULSEBOARD_API_REQUESTS_PER_MINUTE", 1200),
    ingestRequestsPerMinute: n("PULSEBOARD_INGEST_REQUESTS_PER_MINUTE", 6000),
    loginRequestsPerMinute: n("PULSEBOARD_LOGIN_REQUESTS_PER_MINUTE", 120),
    loginFailuresPerAddress: n("PULSEBOARD_LOGIN_FAILURES_PER_ADDRESS", 50),
    loginFailuresPerUsername: n("PULSEBOARD_LOGIN_FAILURES_PER_USERNAME", 20),
    // Half the cores: scrypt threads compete with the event loop for CPU (on 2 cores, one).
    passwordHashConcurrency: n(
      "PULSEBOARD_PASSWORD_HASH_CONCURRENCY",
      Math.max(1, Math.floor(availableParallelism() / 2)),
    ),
    passwordHashQueue: n("PULSEBOARD_PASSWORD_HASH_QUEUE", 8),
    passwordMinLength: n("PULSEBOARD_PASSWORD_MIN_LENGTH", 10),
    accessRecheckMs: n("PULSEBOARD_ACCESS_RECHECK_S", 60) * 1000,
    auditRetentionDays: n("PULSEBOARD_AUDIT_RETENTION_DAYS", 90),
    demoPassword: env.PULSEBOARD_DEMO_PASSWORD || undefined,
  };
}

/** Single sign-on settings, or undefined without PULSEBOARD_OIDC_ISSUER. */
function oidcFrom(env: NodeJS.ProcessEnv): OidcSettings | undefined {
  const issuer = env.PULSEBOARD_OIDC_ISSUER || undefined;
  if (!issuer) return undefined;
  for (const key of ["PULSEBOARD_OIDC_ISSUER", "PULSEBOARD_OIDC_REDIRECT_URL"]) {
    const value = env[key];
    if (value && !/^https?:\/\/[^/]+/.test(value))
      throw new Error(`${key} must be an http(s) URL, got "${value}"`);
  }
  const clientId = env.PULSEBOARD_OIDC_CLIENT_ID || undefined;
  if (!clientId) throw new Error("PULSEBOARD_OIDC_CLIENT_ID must be set when PULSEBOARD_OIDC_ISSUER is");
  return {
    issuer,
    clientId,
    clientSecret: env.PULSEBOARD_OIDC_CLIENT_SECRET || undefined,
    redirectUrl: env.PULSEBOARD_OIDC_REDIRECT_URL || undefined,
    name: env.PULSEBOARD_OIDC_NAME || new URL(issuer).hostname,
    scopes: env.PULSEBOARD_OIDC_SCOPES || "openid profile email",
    groupsClaim: env.PULSEBOARD_OIDC_GROUPS_CLAIM || undefined,
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
  for (const pair of list(text)) {
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
