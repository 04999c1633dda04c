// Owns running the server process: config from the environment, first-run seed, collectors,
// listen, and a clean shutdown on SIGINT/SIGTERM. `npm start` runs this.
import { buildApp } from "./app.ts";
import { clusterFromConfig } from "./cluster.ts";
import { startCollectors } from "./collection.ts";
import { loadConfig } from "./config.ts";
import { DEMO_USER, seedDemo } from "./demo.ts";

// Under `npm start` the system collector and the synthetic generator feed the demo dashboards
// unless PULSEBOARD_SYSTEM=0 / PULSEBOARD_SYNTHETIC=0.
const config = loadConfig({ PULSEBOARD_SYSTEM: "1", PULSEBOARD_SYNTHETIC: "1", ...process.env });
// With REDIS_URL the node joins a cluster (RedisLayer, Redis presence); /api/v1/health either way.
const cluster = clusterFromConfig(config);
const pb = await buildApp(config, cluster.build);
const log = pb.app.log;

let demoOwner: string | undefined;
if (config.seedDemo) {
  const created = await seedDemo(pb.ctx);
  demoOwner = DEMO_USER.username;
  if (created)
    console.log(`Created demo user: username "${DEMO_USER.username}", password "${DEMO_USER.password}"`);
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
  log.info({ signal }, "shutting down");
  await collectors.stop();
  await pb.close();
  await cluster.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
