// Owns wiring the built-in collectors (apps/server/src/collectors) to their dashboards:
// "System" (system collector), "Demo" (synthetic generator), one per Prometheus scrape target.

import type { Config } from "../config/config.ts";
import type { AppContext } from "../context.ts";
import { slugify } from "../dashboards/store.ts";
import { createSink } from "../ingest/sink.ts";
import type { CollectorHandle } from "./index.ts";
import { startPrometheusScrape, startSyntheticGenerator, startSystemCollector } from "./index.ts";

export const SYSTEM_DASHBOARD = {
  name: "System",
  slug: "system",
  description: "This machine: CPU, memory, load, network",
};
export const DEMO_DASHBOARD = {
  name: "Demo",
  slug: "demo",
  description: "Synthetic counter, gauge and histogram",
};

export function startCollectors(ctx: AppContext, config: Config, owner?: string): { stop(): Promise<void> } {
  const handles: CollectorHandle[] = [];
  const intervalMs = config.collectorIntervalMs;
  const onError = (what: string) => (e: Error) => ctx.log.warn({ err: e }, `${what} collector failed`);
  if (config.system)
    handles.push(
      startSystemCollector({
        intervalMs,
        sink: createSink(ctx, { ...SYSTEM_DASHBOARD, owner }),
        onError: onError("system"),
      }),
    );
  if (config.synthetic)
    handles.push(
      startSyntheticGenerator({
        intervalMs,
        sink: createSink(ctx, { ...DEMO_DASHBOARD, owner }),
        onError: onError("synthetic"),
      }),
    );
  for (const target of config.scrapeTargets) {
    let host = target;
    try {
      host = new URL(target).host;
    } catch {}
    const dashboard = {
      name: `Scrape ${host}`,
      slug: `scrape-${slugify(host)}`,
      description: `Prometheus metrics of ${target}`,
      owner,
    };
    const sink = createSink(ctx, dashboard);
    handles.push(
      startPrometheusScrape({
        targets: [target],
        sink: (_t, batch) => sink(batch),
        onError: onError(`scrape ${target}`),
      }),
    );
  }
  return {
    async stop() {
      await Promise.all(handles.map((h) => h.stop()));
    },
  };
}
