// Owns what Pulseboard says about itself, as one prom-client registry per app (tests run several
// apps in one process): counters the receivers and the HTTP layer bump as they work, and gauges
// read from their sources only when /metrics is scraped (the channels server's delivery counters,
// connections per dashboard, storage size, alert counts, Redis and database health).
//
// prom-client because it is the Prometheus text format's reference implementation for Node
// (escaping, histogram buckets, default process and event-loop metrics) with no runtime cost
// beyond the increments.
import { statSync } from "node:fs";
import { join } from "node:path";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { pgDatabaseSize, ping } from "../db/ping.ts";
import type { Db, DbKind } from "../db/schema.ts";

/** What the scrape-time gauges read; each part is optional so the registry can exist first. */
export type TelemetrySources = {
  channels?: {
    stats: {
      framesSent: number;
      bytesSent: number;
      conflated: number;
      slowConsumerCloses: number;
      rateLimitCloses: number;
    };
    connectionsBy(param: string): Map<string, number>;
    layer: unknown;
  };
  db?: Db;
  kind?: DbKind;
  dataDir?: string;
  alerts?: () => { evaluations: number; notifications: number } | undefined;
};

/** A counter whose value lives elsewhere: set from `read()` at each scrape. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number | undefined) {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      this.reset();
      if (value !== undefined && value > 0) this.inc(value);
    },
  });
}

export class Telemetry {
  readonly registry = new Registry();
  readonly sources: TelemetrySources = {};
  readonly ingestPoints: Counter<"protocol">;
  readonly ingestBatches: Counter<"protocol">;
  readonly ingestRefused: Counter<"protocol">;
  readonly staleMarkers: Counter<"protocol">;
  readonly queryDuration: Histogram<"query">;
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  /** Deliveries per second over the last few seconds, sampled by a 1 s timer. */
  #deliveryRate = 0;
  #lastFrames = 0;
  #lastAt = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "pulseboard_" });
    this.ingestPoints = new Counter({
      name: "pulseboard_ingest_points_total",
      help: "Points (samples) durably stored, by the protocol they came in by",
      labelNames: ["protocol"],
      registers,
    });
    this.ingestBatches = new Counter({
      name: "pulseboard_ingest_batches_total",
      help: "Ingest requests stored, by protocol",
      labelNames: ["protocol"],
      registers,
    });
    this.ingestRefused = new Counter({
      name: "pulseboard_ingest_refused_total",
      help: "Ingest requests refused (bad input, permissions, limits), by protocol",
      labelNames: ["protocol"],
      registers,
    });
    this.staleMarkers = new Counter({
      name: "pulseboard_ingest_stale_markers_total",
      help: "Staleness markers received (series ended); counted, not stored",
      labelNames: ["protocol"],
      registers,
    });
    this.queryDuration = new Histogram({
      name: "pulseboard_query_duration_seconds",
      help: "Time to answer a stored-data query (history, range, export)",
      labelNames: ["query"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "pulseboard_http_request_duration_seconds",
      help: "HTTP requests by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const stats = () => this.sources.channels?.stats;
    mirroredCounter(
      this.registry,
      "pulseboard_ws_frames_sent_total",
      "WebSocket frames handed to sockets",
      () => stats()?.framesSent,
    );
    mirroredCounter(
      this.registry,
      "pulseboard_ws_bytes_sent_total",
      "WebSocket bytes handed to sockets",
      () => stats()?.bytesSent,
    );
    mirroredCounter(
      this.registry,
      "pulseboard_ws_conflated_frames_total",
      "Frames replaced by a newer value for the same metric while a client was behind",
      () => stats()?.conflated,
    );
    mirroredCounter(
      this.registry,
      "pulseboard_ws_slow_consumer_closes_total",
      "Connections closed with 4008 (client too slow)",
      () => stats()?.slowConsumerCloses,
    );
    mirroredCounter(
      this.registry,
      "pulseboard_ws_rate_limit_closes_total",
      "Connections closed with 4029 (client sent too much)",
      () => stats()?.rateLimitCloses,
    );
    mirroredCounter(
      this.registry,
      "pulseboard_alert_evaluations_total",
      "Points evaluated against alert rules",
      () => this.sources.alerts?.()?.evaluations,
    );
    mirroredCounter(
      this.registry,
      "pulseboard_alert_notifications_total",
      "Alert state changes announced to dashboards",
      () => this.sources.alerts?.()?.notifications,
    );
    const self = this;
    new Gauge({
      name: "pulseboard_ws_deliveries_per_second",
      help: "Frames delivered to WebSocket clients per second (last second)",
      registers,
      collect() {
        this.set(self.#deliveryRate);
      },
    });
    new Gauge({
      name: "pulseboard_ws_connections",
      help: "Open WebSocket connections on this node, by dashboard id",
      labelNames: ["dashboard"],
      registers,
      collect() {
        this.reset();
        for (const [dashboard, n] of self.sources.channels?.connectionsBy("id") ?? [])
          this.set({ dashboard }, n);
      },
    });
    new Gauge({
      name: "pulseboard_storage_bytes",
      help: "Size of the database (SQLite files with WAL, or the PostgreSQL database)",
      registers,
      async collect() {
        const size = await self.#storageBytes();
        if (size !== undefined) this.set(size);
      },
    });
    new Gauge({
      name: "pulseboard_database_up",
      help: "1 when the database answered `select 1` within 2 s",
      labelNames: ["kind"],
      registers,
      async collect() {
        const { db, kind } = self.sources;
        if (!db || !kind) return;
        this.reset();
        const up = await ping(db).then(
          () => 1,
          () => 0,
        );
        this.set({ kind }, up);
      },
    });
    new Gauge({
      name: "pulseboard_redis_up",
      help: "1 when the Redis channel layer is connected; absent with the in-process layer",
      registers,
      collect() {
        this.reset();
        const layer = self.sources.channels?.layer as { status?: unknown } | undefined;
        if (layer && typeof layer.status === "string") this.set(layer.status === "ready" ? 1 : 0);
      },
    });
    // Deliveries per second: the frame counter's slope over the last second.
    this.#timer = setInterval(() => {
      const frames = stats()?.framesSent ?? 0;
      const now = performance.now();
      this.#deliveryRate = ((frames - this.#lastFrames) * 1000) / Math.max(1, now - this.#lastAt);
      this.#lastFrames = frames;
      this.#lastAt = now;
    }, 1000);
    this.#timer.unref();
  }

  async #storageBytes(): Promise<number | undefined> {
    const { db, kind, dataDir } = this.sources;
    if (kind === "postgres" && db) {
      return pgDatabaseSize(db);
    }
    if (kind === "sqlite" && dataDir) {
      let total = 0;
      for (const suffix of ["", "-wal", "-shm"]) {
        try {
          total += statSync(join(dataDir, `pulseboard.db${suffix}`)).size;
        } catch {}
      }
      return total;
    }
    return undefined;
  }

  /** Text exposition of everything (`GET /metrics`). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    clearInterval(this.#timer);
    this.registry.clear();
  }
}
