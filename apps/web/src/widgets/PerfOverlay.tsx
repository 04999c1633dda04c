// `?perf=1`: frame statistics in a corner, refreshed twice a second.
import { useEffect, useState } from "react";

export function PerfOverlay() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, []);
  const p = window.__pulseboardPerf;
  return (
    <output className="perf-overlay" data-testid="perf-overlay">
      {p.recentMeanMs > 0 ? (1000 / p.recentMeanMs).toFixed(0) : "–"} fps · {p.longFrames} long frames · worst{" "}
      {p.worstFrameMs.toFixed(0)} ms · {window.__pulseboardCharts()} charts
    </output>
  );
}
