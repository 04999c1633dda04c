// Real servers for tests: each starter spawns a Debian binary on 127.0.0.1 at a random port,
// returns a handle that stops it by pid, and fails with an install hint when it is missing.

export { olderThanSources, runLocked, viteBuild } from "./builds.ts";
export { buildSpecBundles, nodeEntry } from "./bundles.ts";
export { CHROMIUM_FLAGS, type ChromiumHandle, launchChromium, recordCspViolations } from "./chromium.ts";
export { type NginxHandle, startNginx } from "./nginx.ts";
export { type NodeExporterHandle, startNodeExporter } from "./node-exporter.ts";
export {
  MissingOidcProviderError,
  type OidcAccount,
  type OidcProviderHandle,
  startOidcProvider,
} from "./oidc-provider.ts";
export { type PostgresHandle, startPostgres } from "./postgres.ts";
export {
  freePort,
  type Managed,
  MissingBinaryError,
  portAnswers,
  spawnManaged,
  waitForPort,
} from "./process.ts";
export {
  type PrometheusHandle,
  type RemoteWrite,
  type ScrapeJob,
  startPrometheus,
} from "./prometheus.ts";
export { type RedisHandle, startRedis } from "./redis.ts";
export {
  type ClusterNode,
  type RedisClusterHandle,
  type RedisClusterOptions,
  startRedisCluster,
} from "./redis-cluster.ts";
export {
  REMOTE_WRITE_HEADERS,
  remoteWriteBody,
  snappyBlock,
  type WriteSeries,
  writeRequestProtobuf,
} from "./remote-write.ts";
