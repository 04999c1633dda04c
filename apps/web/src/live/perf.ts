// The page's own performance counters, readable by people (`?perf=1` overlay), by the browser
// specs and by bench/src/ui-frames.ts (`window.__pulseboardPerf`):
// - frame times: a rAF loop records the interval between frames (long frame = over LONG_FRAME_MS);
// - draw discipline: how often charts call uPlot.setData, and the most calls one chart made
//   within a single animation frame (the design says: at most one);
// - React work: renders of the metric card, which must not re-render per point.
// The counters are plain numbers bumped on the hot path: no allocation per call.
export const LONG_FRAME_MS = 50;
/** Frame intervals kept for percentiles: ~10 minutes at 60 fps, then the oldest are overwritten. */
const INTERVAL_SAMPLES = 36_000;

export type PerfStats = {
  frames: number;
  longFrames: number;
  worstFrameMs: number;
  /** mean frame interval over the last ~second */
  recentMeanMs: number;
  /** uPlot.setData calls by all charts */
  setDataCalls: number;
  /** the most setData calls any one chart made within one animation frame */
  maxSetDataPerChartFrame: number;
  /** renders of the metric card component (MetricWidget) */
  metricCardRenders: number;
  /** frame intervals (ms) since the last reset, in order (the newest INTERVAL_SAMPLES) */
  intervals: () => number[];
  /** starts a new measurement window (callers reset once the page has settled) */
  reset: () => void;
};

let frameNumber = 0;
let stats: PerfStats | null = null;
// Per chart: the frame of its last setData, and how many it made in that frame.
const lastDrawFrame = new WeakMap<object, number>();
const drawsInFrame = new WeakMap<object, number>();

/** Called by a chart right before each uPlot.setData. */
export function noteSetData(chart: object) {
  if (!stats) return;
  stats.setDataCalls++;
  const n = lastDrawFrame.get(chart) === frameNumber ? (drawsInFrame.get(chart) ?? 0) + 1 : 1;
  lastDrawFrame.set(chart, frameNumber);
  drawsInFrame.set(chart, n);
  if (n > stats.maxSetDataPerChartFrame) stats.maxSetDataPerChartFrame = n;
}

/** Called from the metric card's render function. */
export function noteMetricCardRender() {
  if (stats) stats.metricCardRenders++;
}

export function startPerfMonitor(): PerfStats {
  const samples = new Float64Array(INTERVAL_SAMPLES);
  let sampled = 0;
  const recent = new Float64Array(60);
  let last = 0;
  const s: PerfStats = {
    frames: 0,
    longFrames: 0,
    worstFrameMs: 0,
    recentMeanMs: 0,
    setDataCalls: 0,
    maxSetDataPerChartFrame: 0,
    metricCardRenders: 0,
    intervals: () => {
      const n = Math.min(sampled, INTERVAL_SAMPLES);
      const out: number[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = samples[(sampled - n + i) % INTERVAL_SAMPLES] as number;
      return out;
    },
    reset: () => {
      s.frames = 0;
      s.longFrames = 0;
      s.worstFrameMs = 0;
      s.setDataCalls = 0;
      s.maxSetDataPerChartFrame = 0;
      s.metricCardRenders = 0;
      sampled = 0;
      last = 0;
    },
  };
  stats = s;
  const tick = (now: number) => {
    // Every rAF callback of one frame (this one, the store's flush) sees the same frame number
    // between two increments, whichever of them runs first.
    frameNumber++;
    // A hidden tab gets no frames at all; the first frame after that is not a "long frame".
    if (last !== 0 && document.visibilityState === "visible") {
      const dt = now - last;
      recent[s.frames % recent.length] = dt;
      samples[sampled % INTERVAL_SAMPLES] = dt;
      sampled++;
      s.frames++;
      if (dt > LONG_FRAME_MS) s.longFrames++;
      if (dt > s.worstFrameMs) s.worstFrameMs = dt;
      let sum = 0;
      const n = Math.min(s.frames, recent.length);
      for (let i = 0; i < n; i++) sum += recent[i] as number;
      s.recentMeanMs = sum / n;
    }
    last = now;
    requestAnimationFrame(tick);
  };
  document.addEventListener("visibilitychange", () => {
    last = 0;
  });
  requestAnimationFrame(tick);
  return s;
}
