// DashboardStream: the chart-facing view of a dashboard connection. Keeps one bounded series per
// metric (history and live points merged, deduped by timestamp), follows state/config/pause/auth
// errors, and publishes an immutable snapshot at most once per animation frame (or tick in Node),
// so a burst of updates costs one re-render, not one per point.
import type { ClientState, PulseboardClient } from "./client.ts";
import { Emitter } from "./emitter.ts";
import type { ClientAuthError } from "./errors.ts";
import type { DashboardConfig } from "./protocol.ts";
import { type SeriesArrays, SeriesBuffer } from "./ring.ts";

export interface SeriesSnapshot extends SeriesArrays {
  metricId: number;
  name: string;
  unit: string;
}

export interface DashboardSnapshot {
  state: ClientState;
  config: DashboardConfig | undefined;
  /** Per metric id; an unchanged series keeps its object identity between snapshots (cheap memo). */
  series: ReadonlyMap<number, SeriesSnapshot>;
  paused: boolean;
  /** Set when the server refused the connection for good. */
  error: ClientAuthError | undefined;
}

export interface StreamChange {
  snapshot: DashboardSnapshot;
  /** Metric ids whose series changed since the previous change event. */
  metrics: ReadonlySet<number>;
}

/** Runs `flush` later, returns a cancel function. */
export type Scheduler = (flush: () => void) => () => void;

export interface StreamOptions {
  /** Points kept per metric (default 1000). */
  capacity?: number;
  /** Subscribe to every metric of the dashboard config as it arrives, except those explicitly
   * unsubscribed (default true). */
  subscribeAll?: boolean;
  /** Default: requestAnimationFrame in browsers, a 16 ms timer elsewhere. */
  schedule?: Scheduler;
}

export const frameScheduler: Scheduler = (flush) => {
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => number }).requestAnimationFrame;
  if (raf) {
    const id = raf(flush);
    return () => (globalThis as { cancelAnimationFrame?: (id: number) => void }).cancelAnimationFrame?.(id);
  }
  const timer = setTimeout(flush, 16);
  return () => clearTimeout(timer);
};

export class DashboardStream extends Emitter<{ change: StreamChange }> {
  readonly #buffers = new Map<number, SeriesBuffer>();
  readonly #meta = new Map<number, { name: string; unit: string }>();
  readonly #dirty = new Set<number>();
  readonly #offs: Array<() => void> = [];
  readonly #capacity: number;
  readonly #schedule: Scheduler;
  #cancel: (() => void) | undefined;
  #snapshot: DashboardSnapshot;

  constructor(
    readonly client: PulseboardClient,
    private readonly options: StreamOptions = {},
  ) {
    super();
    this.#capacity = options.capacity ?? 1000;
    this.#schedule = options.schedule ?? frameScheduler;
    this.#snapshot = {
      state: client.state,
      config: undefined,
      series: new Map(),
      paused: client.paused,
      error: undefined,
    };
    this.#offs.push(
      client.on("state", () => this.#touch()),
      client.on("auth_error", (error) => {
        this.#snapshot = { ...this.#snapshot, error };
        this.#touch();
      }),
      client.on("dashboard_config", (config) => this.#configure(config)),
      client.on("metric_history", (h) => {
        this.#describe(h.metric_id, h.metric_name, h.unit);
        const buffer = this.#buffer(h.metric_id);
        let changed = false;
        for (const p of h.values) changed = buffer.insert(Date.parse(p.timestamp), p.value) || changed;
        if (changed) this.#touch(h.metric_id);
      }),
      client.on("metric_update", (u) => {
        this.#describe(u.metric_id, u.metric_name, u.unit);
        if (this.#buffer(u.metric_id).insert(Date.parse(u.timestamp), u.value)) this.#touch(u.metric_id);
      }),
    );
  }

  get snapshot(): DashboardSnapshot {
    return this.#snapshot;
  }

  /** Asks the server to stop streaming; what is stored meanwhile is replayed on `resume()`. */
  pause(): void {
    this.#sendIfLive("pause");
  }

  resume(): void {
    this.#sendIfLive("resume_stream");
  }

  /** Stops listening and cancels a pending flush (the client stays as it is). */
  dispose(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #sendIfLive(action: "pause" | "resume_stream"): void {
    if (this.client.state === "closed") return;
    this.client.send(action);
    this.#touch();
  }

  #configure(config: DashboardConfig): void {
    for (const m of config.metrics) this.#describe(m.id, m.name, m.unit);
    this.#snapshot = { ...this.#snapshot, config };
    if (this.options.subscribeAll !== false) this.client.subscribeNew(config);
    this.#touch();
  }

  #describe(metricId: number, name: string, unit: string): void {
    const meta = this.#meta.get(metricId);
    if (meta && meta.name === name && meta.unit === unit) return;
    this.#meta.set(metricId, { name, unit });
    this.#dirty.add(metricId);
  }

  #buffer(metricId: number): SeriesBuffer {
    let buffer = this.#buffers.get(metricId);
    if (!buffer) {
      buffer = new SeriesBuffer(this.#capacity);
      this.#buffers.set(metricId, buffer);
    }
    return buffer;
  }

  #touch(metricId?: number): void {
    if (metricId !== undefined) this.#dirty.add(metricId);
    this.#cancel ??= this.#schedule(() => this.#flush());
  }

  #flush(): void {
    this.#cancel = undefined;
    const metrics = new Set(this.#dirty);
    this.#dirty.clear();
    let series = this.#snapshot.series;
    if (metrics.size > 0) {
      const next = new Map(series);
      for (const id of metrics) {
        const meta = this.#meta.get(id) ?? { name: String(id), unit: "" };
        const arrays = this.#buffers.get(id)?.toArrays() ?? { t: new Float64Array(), v: new Float64Array() };
        next.set(id, { metricId: id, name: meta.name, unit: meta.unit, ...arrays });
      }
      series = next;
    }
    this.#snapshot = { ...this.#snapshot, state: this.client.state, paused: this.client.paused, series };
    this.emit("change", { snapshot: this.#snapshot, metrics });
  }
}
