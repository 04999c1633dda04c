// Owns running the server process: config from the environment, first-run seed, collectors,
// listen, and a drain on SIGTERM (a deploy): stop accepting, close sockets with 1012 so clients
// reconnect to another node at once, finish in-flight ingest and alert evaluation, then exit.
// SIGINT (Ctrl-C) does the same with 1001. `npm start` runs this.
import { buildApp } from "./app.ts";
import { startCollectors } from "./collectors/collection.ts";
import { DEMO_USER, seedDemo } from "./collectors/demo.ts";
import { type Config, loadConfig } from "./config/config.ts";
import { clusterFromConfig } from "./ws/cluster.ts";

// Under `npm start` the system collector and the synthetic generator feed the demo dashboards
// unless PULSEBOARD_SYSTEM=0 / PULSEBOARD_SYNTHETIC=0.
let config: Config;
try {
  config = loadConfig(process.env, {}, { PULSEBOARD_SYSTEM: "1", PULSEBOARD_SYNTHETIC: "1" });
} catch (error) {
  // A bad setting stops the start with the key named, before anything listens.
  console.error(`Configuration error: ${(error as Error).message}`);
  process.exit(1);
}
// With REDIS_URL the node joins a cluster (RedisLayer, Redis presence); /api/v1/health either way.
const cluster = clusterFromConfig(config);
const pb = await buildApp(config, cluster.build);
const log = pb.app.log;
// Accept clients once the channel layer is up (a Redis Cluster needs its slot map first), but
// do not hang the start on it: readiness says 503 until it is.
await Promise.race([cluster.ready(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);

let demoOwner: string | undefined;
if (config.seedDemo) {
  const password = await seedDemo(pb.ctx);
  demoOwner = DEMO_USER.username;
  // Printed this once only: it is stored hashed. Change it on the Account page.
  if (password)
    console.log(
      `Created demo user: username "${DEMO_USER.username}", password "${password}" (shown only this once; change it on the Account page)`,
    );
}
await pb.app.listen({ port: config.port, host: config.host, backlog: config.listenBacklog });
const address = pb.app.server.address();
const port = typeof address === "object" && address ? address.port : config.port;
const collectors = startCollectors(pb.ctx, config, demoOwner);
const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
console.log(`Pulseboard is running at http://${shownHost}:${port}/ (storage: ${pb.kind})`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "draining: no new connections, closing sockets, finishing in-flight work");
  // A drain that cannot finish (a hung dependency) must not keep a deploy waiting forever.
  setTimeout(() => {
    log.error({ timeoutMs: config.shutdownTimeoutMs }, "drain did not finish in time; exiting");
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
  const close =
    signal === "SIGTERM"
      ? { code: 1012, reason: "Service restart", handoverMs: config.drainHandoverMs }
      : { code: 1001, reason: "Server shutting down" };
  await pb.close({ ...close, alsoWaitFor: collectors.stop() });
  await cluster.close();
  log.info("drained; exiting");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
