// Starts Debian's prometheus-node-exporter on a random loopback port, for scrape tests.
import { freePort, requireBinary, spawnManaged, waitForPort } from "./process.ts";

export type NodeExporterHandle = { url: string; port: number; pid: number; stop: () => Promise<void> };

export async function startNodeExporter(): Promise<NodeExporterHandle> {
  const binary = requireBinary(["/usr/bin/prometheus-node-exporter"], "prometheus-node-exporter");
  const port = await freePort();
  const proc = spawnManaged(binary, [`--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"]);
  await waitForPort(port, 10_000, "prometheus-node-exporter", proc.output);
  return { url: `http://127.0.0.1:${port}/metrics`, port, pid: proc.pid, stop: proc.stop };
}
