// The SDK's live store: the state of one open dashboard, framework-agnostic, fed by a LiveConnection
// (or anything else calling its methods) and read by charts. Updates are only queued on arrival;
// once per animation frame the queue is applied to per-metric rings (contiguous Float64Arrays
// uPlot takes as they are) and each changed series notifies its listeners once, so 500 updates/s
// cost one setData per chart per frame and no React render. Rarely-changing state (connection,
// presence, alerts) is exposed in the subscribe/getSnapshot shape of useSyncExternalStore; the
// React binding is `@pulseboard/client/react`.
import type { StreamPosition } from "./client.ts";
import type { ClientAuthError } from "./errors.ts";
import { FreshnessMeter, type FreshnessSnapshot } from "./freshness.ts";
import type { Alert, MetricInfo } from "./protocol.ts";
import { SeriesRing } from "./ring.ts";

/** A store's drawn series and the stream position they are complete up to (kept across reloads). */
export type SavedView = {
  dashboardId: number;
  position: StreamPosition;
  savedAt: number;
  series: { metricId: number; t: Float64Array; v: Float64Array }[];
};

/** Draw time per frame after which the charts still owed a draw wait for the next frame. */
const FRAME_BUDGET_MS = 4;

/** Runs `flush` at the next animation frame (a 16 ms timer where there are no frames, as in Node). */
export type FrameScheduler = (flush: () => void) => void;

const nextFrame: FrameScheduler = (flush) => {
  // rAF does not run in a hidden tab; the queue then simply waits, bounded by the rings.
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(flush);
  else setTimeout(flush, 16);
};

/** A live `alert` frame or a stored event (REST), with who acknowledged it once known. */
export type AlertItem = Alert & {
  acknowledged_at?: string | null;
  acknowledged_by?: number | null;
  /** REST events say whether they are their rule's open event */
  open?: boolean;
};

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed" | "denied";
export type ActivityItem =
  | { kind: "update"; metricId: number; name: string; value: number; unit: string; at: number }
  | { kind: "alert"; alert: AlertItem; at: number };

export type SeriesState = {
  ring: SeriesRing;
  /** Called once per frame in which points were added; charts call uPlot.setData here. */
  listeners: Set<() => void>;
};

export type LiveSnapshot = {
  state: ConnectionState;
  detail: string;
  /** the server's refusal, when `state` is "denied" */
  error?: ClientAuthError;
  connections: number | null;
  alerts: AlertItem[];
  paused: boolean;
  /** The dashboard as its last `dashboard_config` described it ("" before the first). */
  name: string;
  description: string;
  metrics: MetricInfo[];
};

const LIVE_CAPACITY = 4096;
const ACTIVITY_SIZE = 50;

export class LiveStore {
  constructor(
    private readonly schedule: FrameScheduler = nextFrame,
    /** Milliseconds, for the frame budget (tests give their own). */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  readonly series = new Map<number, SeriesState>();
  /** Updates received over the socket since the page opened (live counter widget). */
  received = 0;
  readonly activity: ActivityItem[] = [];
  private readonly frameListeners = new Set<() => void>();
  private readonly snapshotListeners = new Set<() => void>();
  private pendingIds: number[] = [];
  private pendingXs: number[] = [];
  private pendingYs: number[] = [];
  /** commit times (ms) of live points waiting for the next frame, measured once drawn */
  private pendingCommits: number[] = [];
  /** commit → render lag of the live points this page drew */
  readonly freshness = new FreshnessMeter();
  /** the last reported window of `freshness` (status bar) */
  lastFreshness: FreshnessSnapshot | null = null;
  private frameRequested = false;
  private bucketSeconds = 0;
  /** The connection's stream position (set by DashboardConnection). */
  positionNow: () => StreamPosition | undefined = () => undefined;
  /**
   * The position the rings are complete up to: read right after a frame applied the queue (every
   * point delivered up to the connection's position is queued on delivery, so it is in a ring now).
   */
  private drawnPosition: StreamPosition | undefined;
  private changedSinceSave = false;
  private snapshot: LiveSnapshot = {
    state: "connecting",
    detail: "",
    connections: null,
    alerts: [],
    paused: false,
    name: "",
    description: "",
    metrics: [],
  };

  // ---- high-frequency path -------------------------------------------------------------------

  seriesFor(metricId: number): SeriesState {
    let s = this.series.get(metricId);
    if (!s) {
      s = { ring: new SeriesRing(LIVE_CAPACITY, this.bucketSeconds), listeners: new Set() };
      this.series.set(metricId, s);
    }
    return s;
  }

  /** Queues one point; nothing is drawn until the next frame. */
  enqueue(metricId: number, timestampMs: number, value: number) {
    this.pendingIds.push(metricId);
    this.pendingXs.push(timestampMs / 1000);
    this.pendingYs.push(value);
    this.requestFrame();
  }

  liveUpdate(
    metricId: number,
    name: string,
    unit: string,
    value: number,
    timestamp: string,
    committedAt?: string,
  ) {
    const at = Date.parse(timestamp);
    if (!Number.isFinite(at) || !Number.isFinite(value)) return;
    this.received++;
    if (committedAt) this.pendingCommits.push(Date.parse(committedAt));
    if (this.liveCharts) this.enqueue(metricId, at, value);
    else this.requestFrame();
    this.pushActivity({ kind: "update", metricId, name, value, unit, at });
  }

  /** `metric_history` from the socket: recent stored points, merged like live ones. */
  socketHistory(metricId: number, points: { value: number; timestamp: string }[]) {
    if (!this.liveCharts) return;
    for (const p of points) {
      const at = Date.parse(p.timestamp);
      if (Number.isFinite(at)) this.enqueue(metricId, at, p.value);
    }
  }

  /**
   * Whether live points go into the chart rings. Off while a custom range is shown: counters and
   * the activity feed keep running, the charts keep the history being played back.
   */
  liveCharts = true;

  /** Adds stored points (REST history) to a series; overlaps with live points are merged away. */
  mergeHistory(metricId: number, points: { value: number; timestamp: string }[]) {
    // Paused, the charts stay as they were: history read meanwhile (a resize asks again) waits
    // for the resume, with what the stream replays then.
    if (this.snapshot.paused) {
      this.deferred.push([metricId, points]);
      return;
    }
    this.seeds.delete(metricId); // the stored history is here: it covers what the seed showed
    const ring = this.seriesFor(metricId).ring;
    for (const p of points) {
      const at = Date.parse(p.timestamp);
      if (Number.isFinite(at) && Number.isFinite(p.value)) ring.push(at / 1000, p.value);
    }
    this.markDirty(metricId);
  }

  clearAll() {
    for (const [id, s] of this.series) {
      s.ring.clear();
      this.dirty.add(id);
    }
    this.pendingIds = [];
    this.pendingXs = [];
    this.pendingYs = [];
    if (this.liveCharts) this.applySeeds();
    this.requestFrame();
  }

  /** Saved series drawn until their metric's REST history arrives (kept across a live clear). */
  private seeds = new Map<number, { t: Float64Array; v: Float64Array }>();

  /** Draws a view saved by an earlier page at once, before the network answers. */
  seedSaved(saved: SavedView) {
    for (const s of saved.series) this.seeds.set(s.metricId, { t: s.t, v: s.v });
    this.applySeeds();
  }

  private applySeeds() {
    for (const [metricId, s] of this.seeds) {
      const ring = this.seriesFor(metricId).ring;
      for (let i = 0; i < s.t.length; i++) ring.push(s.t[i] as number, s.v[i] as number);
      this.markDirty(metricId);
    }
  }

  get liveBucketSeconds(): number {
    return this.bucketSeconds;
  }

  /**
   * What to keep for the next page: the live rings and the position they are complete up to; null
   * while nothing changed, before a position is known, or while a custom range replaces live data.
   */
  toSave(dashboardId: number): SavedView | null {
    if (!this.changedSinceSave || !this.drawnPosition || !this.liveCharts) return null;
    this.changedSinceSave = false;
    const series = [...this.series].map(([metricId, s]) => {
      const [t, v] = s.ring.view();
      return { metricId, t: t.slice(), v: v.slice() };
    });
    return { dashboardId, position: { ...this.drawnPosition }, savedAt: Date.now(), series };
  }

  /** Replaces a series' content (history playback). */
  replaceSeries(metricId: number, points: { value: number; timestamp: string }[]) {
    const s = this.seriesFor(metricId);
    s.ring.clear();
    for (const p of points) {
      const at = Date.parse(p.timestamp);
      if (Number.isFinite(at)) s.ring.push(at / 1000, p.value);
    }
    this.markDirty(metricId);
  }

  /**
   * Width (s) of the buckets the shown history was read in (REST `points=`), or of the live
   * bucketing: a chart never calls less than a few of these a gap.
   */
  historyBucketSeconds = 0;

  bucketWidth(): number {
    return Math.max(this.bucketSeconds, this.historyBucketSeconds);
  }

  private readonly widths = new Map<number, Set<() => number>>();

  /** A chart of this metric is `width()` CSS pixels wide (its plot area); it asks for that many buckets. */
  noteChartWidth(metricId: number, width: () => number): () => void {
    let set = this.widths.get(metricId);
    if (!set) {
      set = new Set();
      this.widths.set(metricId, set);
    }
    set.add(width);
    return () => set.delete(width);
  }

  private readonly widthListeners = new Set<() => void>();

  /** Told when a chart was resized (the page then asks again for the new number of buckets). */
  onWidthChange(listener: () => void): () => void {
    this.widthListeners.add(listener);
    return () => this.widthListeners.delete(listener);
  }

  widthChanged() {
    for (const l of this.widthListeners) l();
  }

  /** The widest plot drawing this metric, in CSS pixels (0 when none is mounted). */
  widthFor(metricId: number): number {
    let max = 0;
    for (const w of this.widths.get(metricId) ?? []) max = Math.max(max, Math.round(w()));
    return max;
  }

  setBucketSeconds(seconds: number) {
    this.bucketSeconds = seconds;
    for (const s of this.series.values()) s.ring.bucketSeconds = seconds;
  }

  onFrame(listener: () => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  private dirty = new Set<number>();
  /** Listeners owed a draw (with a series they listen to), in the order they became owed. */
  private owed = new Map<() => void, number>();

  private markDirty(metricId: number) {
    this.dirty.add(metricId);
    this.requestFrame();
  }

  private requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.schedule(this.flush);
  }

  private flush = async () => {
    this.frameRequested = false;
    const ids = this.pendingIds;
    const xs = this.pendingXs;
    const ys = this.pendingYs;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      this.seriesFor(id).ring.push(xs[i] as number, ys[i] as number);
      this.dirty.add(id);
    }
    this.pendingIds = [];
    this.pendingXs = [];
    this.pendingYs = [];
    if (this.liveCharts) {
      const position = this.positionNow();
      if (
        position &&
        (position.offset !== this.drawnPosition?.offset || position.epoch !== this.drawnPosition.epoch)
      )
        this.changedSinceSave = true;
      this.drawnPosition = position && { ...position };
    }
    if (this.dirty.size > 0) this.changedSinceSave = true;
    // A chart drawing several series is owed one draw, however many of them changed; one still owed
    // from the frame before keeps its place, so the deferred go first.
    for (const id of this.dirty)
      for (const listener of this.seriesFor(id).listeners) this.owed.set(listener, id);
    this.dirty.clear();
    const started = this.clock();
    for (const [listener, id] of this.owed) {
      this.owed.delete(listener);
      // A chart that unsubscribed since (its panel closed) is not drawn.
      if (this.seriesFor(id).listeners.has(listener)) {
        listener();
        // uPlot draws in a microtask after setData: let it, still inside this frame, so the budget
        // counts the drawing itself and not only the data handed over.
        await null;
      }
      // Past the frame's budget the rest wait for the next frame: charts then draw a little less
      // often (each draw takes all its new points) while the page keeps its frame rate.
      if (this.owed.size > 0 && this.clock() - started > FRAME_BUDGET_MS) {
        this.requestFrame();
        break;
      }
    }
    // The charts have their points now (once none is owed a draw): that is when the user sees them.
    if (this.owed.size === 0 && this.pendingCommits.length) {
      const now = Date.now();
      for (const c of this.pendingCommits) this.freshness.record(c, now);
      this.pendingCommits = [];
    }
    for (const listener of this.frameListeners) listener();
  };

  private pushActivity(item: ActivityItem) {
    this.activity.unshift(item);
    if (this.activity.length > ACTIVITY_SIZE) this.activity.length = ACTIVITY_SIZE;
  }

  // ---- low-frequency state (React) -----------------------------------------------------------

  getSnapshot = (): LiveSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  };

  /** History that arrived while paused, merged on resume. */
  private deferred: Array<[number, { value: number; timestamp: string }[]]> = [];

  update(patch: Partial<LiveSnapshot>) {
    this.snapshot = { ...this.snapshot, ...patch };
    if (patch.paused === false && this.deferred.length > 0) {
      const deferred = this.deferred;
      this.deferred = [];
      for (const [metricId, points] of deferred) this.mergeHistory(metricId, points);
    }
    for (const listener of this.snapshotListeners) listener();
  }

  /** Alerts that fired before the page opened (REST), shown below the live ones. */
  seedAlerts(alerts: AlertItem[]) {
    const known = new Set(this.snapshot.alerts.map((a) => `${a.id}:${a.state}`));
    const older = alerts.filter((a) => !known.has(`${a.id}:${a.state}`));
    this.update({ alerts: [...this.snapshot.alerts, ...older].slice(0, 100) });
  }

  /** An acknowledgement answered by the server: the event keeps the first time and user. */
  acknowledged(event: { id: number; acknowledged_at: string | null; acknowledged_by: number | null }) {
    const { id, acknowledged_at, acknowledged_by } = event;
    this.update({
      alerts: this.snapshot.alerts.map((a) => (a.id === id ? { ...a, acknowledged_at, acknowledged_by } : a)),
    });
  }

  addAlert(alert: Alert) {
    this.pushActivity({ kind: "alert", alert, at: Date.parse(alert.timestamp) || Date.now() });
    this.update({ alerts: [alert, ...this.snapshot.alerts].slice(0, 100) });
    this.requestFrame();
  }
}
