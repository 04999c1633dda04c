// A histogram metric as a heatmap: time across, value up, each cell's colour the number of
// observations that fell in it. Drawn on a canvas at most once per frame from the series ring.

import type { LiveStore } from "@pulseboard/client/live";
import { useEffect, useRef } from "react";
import { readPalette, withAlpha } from "./palette.ts";
import { heatmap } from "./transform.ts";
import { formatTick } from "./units.ts";
import { type TimeWindow, xRange } from "./window.ts";

const ROWS = 16;
const CELL_PX = 6;

type Props = {
  store: LiveStore;
  metricId: number;
  unit: string;
  window: TimeWindow;
  theme: string;
  ariaLabel: string;
};

export function HeatmapChart({ store, metricId, unit, window, theme, ariaLabel }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const scale = useRef<HTMLSpanElement>(null);
  const windowRef = useRef(window);
  windowRef.current = window;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `theme` re-reads the palette
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const palette = readPalette();
    const base = palette.series[0] as string;
    const series = store.seriesFor(metricId);
    const draw = () => {
      const ratio = devicePixelRatio;
      const w = Math.max(1, Math.floor(el.clientWidth * ratio));
      const h = Math.max(1, Math.floor(el.clientHeight * ratio));
      if (el.width !== w) el.width = w;
      if (el.height !== h) el.height = h;
      const ctx = el.getContext("2d");
      if (!ctx) return;
      ctx.clearRect(0, 0, w, h);
      const [xs, ys] = series.ring.view();
      const [from, to] = xRange(windowRef.current);
      const columns = Math.max(1, Math.floor(el.clientWidth / CELL_PX));
      const map = heatmap(xs, ys, from, to, columns, ROWS);
      if (scale.current)
        scale.current.textContent =
          map.maxCount > 0 ? `${formatTick(map.min, unit)} – ${formatTick(map.max, unit)}` : "";
      if (map.maxCount === 0) return;
      const cw = w / columns;
      const ch = h / ROWS;
      for (let c = 0; c < columns; c++)
        for (let r = 0; r < ROWS; r++) {
          const n = map.counts[c * ROWS + r] as number;
          if (n === 0) continue;
          ctx.fillStyle = withAlpha(base, 0.15 + 0.85 * (n / map.maxCount));
          ctx.fillRect(c * cw, h - (r + 1) * ch, Math.ceil(cw), Math.ceil(ch));
        }
    };
    series.listeners.add(draw);
    draw();
    const slide = setInterval(draw, 1000);
    return () => {
      clearInterval(slide);
      series.listeners.delete(draw);
    };
  }, [store, metricId, unit, theme]);
  return (
    <div className="heatmap">
      <canvas ref={canvas} role="img" aria-label={ariaLabel} />
      <span className="muted heatmap-scale" ref={scale} />
    </div>
  );
}
