// A stat panel's sparkline: the series' shape over the window on a small canvas, redrawn at most
// once per frame from the ring (no React render, no allocation per point).

import type { LiveStore } from "@pulseboard/client/live";
import { useEffect, useRef } from "react";
import { type TimeWindow, xRange } from "./window.ts";

type Props = { store: LiveStore; metricId: number; window: TimeWindow; color: string; theme: string };

export function Sparkline({ store, metricId, window, color, theme }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const windowRef = useRef(window);
  windowRef.current = window;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `theme` re-reads the colour
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
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
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < xs.length; i++) {
        if ((xs[i] as number) < from) continue;
        min = Math.min(min, ys[i] as number);
        max = Math.max(max, ys[i] as number);
      }
      if (min > max) return;
      const span = max > min ? max - min : 1;
      ctx.strokeStyle = getComputedStyle(el).color || color;
      ctx.lineWidth = 1.5 * ratio;
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i] as number;
        if (x < from) continue;
        const px = ((x - from) / (to - from)) * w;
        const py = h - 2 * ratio - (((ys[i] as number) - min) / span) * (h - 4 * ratio);
        if (started) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        started = true;
      }
      ctx.stroke();
    };
    series.listeners.add(draw);
    draw();
    const slide = setInterval(draw, 1000);
    return () => {
      clearInterval(slide);
      series.listeners.delete(draw);
    };
  }, [store, metricId, theme]);
  // Decoration: the stat's number above says the value; the canvas only shows the shape.
  return (
    <div className="sparkline" aria-hidden="true">
      <canvas ref={canvas} style={{ color }} />
    </div>
  );
}
