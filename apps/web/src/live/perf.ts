// Frame-time measurement for the "charts keep up" requirement: a rAF loop records the interval
// between frames; intervals over LONG_FRAME_MS count as long frames. Readable by people
// (`?perf=1` overlay) and by the e2e test (`window.__pulseboardPerf`).
export const LONG_FRAME_MS = 50;

export type PerfStats = {
  frames: number;
  longFrames: number;
  worstFrameMs: number;
  /** mean frame interval over the last ~second */
  recentMeanMs: number;
  /** starts a new measurement window (the test calls it once the page has settled) */
  reset: () => void;
};

export function startPerfMonitor(): PerfStats {
  const stats: PerfStats = {
    frames: 0,
    longFrames: 0,
    worstFrameMs: 0,
    recentMeanMs: 0,
    reset: () => {
      stats.frames = 0;
      stats.longFrames = 0;
      stats.worstFrameMs = 0;
      last = 0;
    },
  };
  const recent = new Float64Array(60);
  let last = 0;
  const tick = (now: number) => {
    // A hidden tab gets no frames at all; the first frame after that is not a "long frame".
    if (last !== 0 && document.visibilityState === "visible") {
      const dt = now - last;
      recent[stats.frames % recent.length] = dt;
      stats.frames++;
      if (dt > LONG_FRAME_MS) stats.longFrames++;
      if (dt > stats.worstFrameMs) stats.worstFrameMs = dt;
      let sum = 0;
      const n = Math.min(stats.frames, recent.length);
      for (let i = 0; i < n; i++) sum += recent[i] as number;
      stats.recentMeanMs = sum / n;
    }
    last = now;
    requestAnimationFrame(tick);
  };
  document.addEventListener("visibilitychange", () => {
    last = 0;
  });
  requestAnimationFrame(tick);
  return stats;
}
