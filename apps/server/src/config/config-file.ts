// Owns the configuration file (JSON, path in PULSEBOARD_CONFIG or `--config`): one documented
// key per setting, validated at start with errors that name the key. The file only fills in
// what the environment leaves unset (the environment wins), by turning each key into the
// environment variable the rest of config.ts already parses — so both sources share one parser.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { DURATION_PATTERN, HTTP_URL_PATTERN } from "./env.ts";

const text = z.string();
const int = z.number().int().nonnegative();
const bool = z.boolean();
const list = z.array(z.string());

/** File key → [environment variable, schema]. The README's configuration table lists both. */
/** Retention durations as config.ts reads them: `15d`, `90d`, `2y`, `12h`. */
const duration = z.string().regex(DURATION_PATTERN, "must be a duration such as 15d, 90d or 2y");
const httpUrl = z.string().regex(HTTP_URL_PATTERN, "must be an http(s) URL");

export const FILE_KEYS = {
  host: ["HOST", text],
  port: ["PORT", int.max(65535)],
  dataDir: ["PULSEBOARD_DATA_DIR", text],
  databaseUrl: ["DATABASE_URL", z.string().regex(/^postgres(ql)?:\/\//, "must start with postgres://")],
  redisUrl: ["REDIS_URL", z.string().regex(/^rediss?:\/\//, "must start with redis://")],
  redisCluster: ["REDIS_CLUSTER", list.min(1)],
  presenceTtlS: ["PULSEBOARD_PRESENCE_TTL_S", int.min(1)],
  webDist: ["PULSEBOARD_WEB_DIST", text],
  logLevel: ["LOG_LEVEL", z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])],
  sessionTtlS: ["PULSEBOARD_SESSION_TTL_S", int.min(1)],
  bodyLimit: ["PULSEBOARD_BODY_LIMIT", int.min(1)],
  secureCookies: ["PULSEBOARD_SECURE_COOKIES", bool],
  synthetic: ["PULSEBOARD_SYNTHETIC", bool],
  system: ["PULSEBOARD_SYSTEM", bool],
  scrape: ["PULSEBOARD_SCRAPE", list],
  collectorIntervalMs: ["PULSEBOARD_COLLECTOR_INTERVAL_MS", int.min(1)],
  demo: ["PULSEBOARD_DEMO", bool],
  allowedOrigins: ["PULSEBOARD_ALLOWED_ORIGINS", list],
  trustProxy: ["PULSEBOARD_TRUST_PROXY", bool],
  sendCompletion: ["PULSEBOARD_SEND_COMPLETION", bool],
  maxBufferedBytes: ["PULSEBOARD_MAX_BUFFERED_BYTES", int.min(1)],
  slowConsumerGraceMs: ["PULSEBOARD_SLOW_CONSUMER_GRACE_MS", int],
  shutdownTimeoutMs: ["PULSEBOARD_SHUTDOWN_TIMEOUT_MS", int.min(1)],
  drainHandoverMs: ["PULSEBOARD_DRAIN_HANDOVER_MS", int.min(0)],
  retentionRaw: ["PULSEBOARD_RETENTION_RAW", duration],
  retention1m: ["PULSEBOARD_RETENTION_1M", duration],
  retention1h: ["PULSEBOARD_RETENTION_1H", duration],
  readThreads: ["PULSEBOARD_READ_THREADS", int.min(1)],
  readsPerUser: ["PULSEBOARD_READS_PER_USER", int.min(1)],
  readQueue: ["PULSEBOARD_READ_QUEUE", int.min(1)],
  readNice: ["PULSEBOARD_READ_NICE", int.max(19)],
  maxReplay: ["PULSEBOARD_MAX_REPLAY", int.min(1)],
  publicUrl: ["PULSEBOARD_PUBLIC_URL", httpUrl],
  allowedHosts: ["PULSEBOARD_ALLOWED_HOSTS", list],
  smtpUrl: ["PULSEBOARD_SMTP_URL", text],
  smtpFrom: ["PULSEBOARD_SMTP_FROM", text],
  metricsToken: ["PULSEBOARD_METRICS_TOKEN", text],
  metricsAllow: ["PULSEBOARD_METRICS_ALLOW", list],
  localLogin: ["PULSEBOARD_LOCAL_LOGIN", bool],
  oidcIssuer: ["PULSEBOARD_OIDC_ISSUER", httpUrl],
  oidcClientId: ["PULSEBOARD_OIDC_CLIENT_ID", text],
  oidcClientSecret: ["PULSEBOARD_OIDC_CLIENT_SECRET", text],
  oidcRedirectUrl: ["PULSEBOARD_OIDC_REDIRECT_URL", httpUrl],
  oidcName: ["PULSEBOARD_OIDC_NAME", text],
  oidcScopes: ["PULSEBOARD_OIDC_SCOPES", text],
  oidcGroupsClaim: ["PULSEBOARD_OIDC_GROUPS_CLAIM", text],
  // {"group": "team"} or {"group": ["team", "other team"]}; passed on as JSON (config.ts groupTeams).
  oidcGroupTeams: [
    "PULSEBOARD_OIDC_GROUP_TEAMS",
    z.record(z.string().min(1), z.union([z.string().min(1), z.array(z.string().min(1))])),
  ],
} as const satisfies Record<string, readonly [string, z.ZodType]>;

const schema = z
  .object(Object.fromEntries(Object.entries(FILE_KEYS).map(([key, [, s]]) => [key, s.optional()])))
  .strict();

export class ConfigError extends Error {}

/** The file's settings as environment variables; throws ConfigError naming the file and key. */
export function readConfigFile(path: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`${path}: cannot read it as JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const keys =
        issue.code === "unrecognized_keys"
          ? issue.keys.join('", "')
          : issue.path.map(String).join(".") || "(top level)";
      const hint =
        issue.code === "unrecognized_keys"
          ? "unknown key (see the README's configuration table)"
          : issue.message;
      return `"${keys}": ${hint}`;
    });
    throw new ConfigError(`${path}: ${problems.join("; ")}`);
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value === undefined) continue;
    const [name] = FILE_KEYS[key as keyof typeof FILE_KEYS];
    env[name] = Array.isArray(value)
      ? value.join(",")
      : typeof value === "object" && value !== null
        ? JSON.stringify(value)
        : typeof value === "boolean"
          ? value
            ? "1"
            : "0"
          : String(value);
  }
  return env;
}
