// Threshold lines on a metric's chart: a uPlot plugin drawing each enabled rule's threshold as a
// dashed line (red while firing, amber while pending or without data, muted when ok) and its
// hysteresis as a faint band on the clearing side. The y scale is widened to include thresholds,
// so a line far from the data is still on the chart. It reads the page's alert states on every
// draw and asks for a redraw when they change; no React, no per-point work.

import type { AlertStates, RuleLine } from "@pulseboard/client/live";
import uPlot from "uplot";
import { withAlpha } from "./palette.ts";

const COLORS: Record<RuleLine["status"], string> = {
  firing: "#e5484d",
  pending: "#f5a524",
  no_data: "#f5a524",
  ok: "#8b8d98",
};

export function thresholdPlugin(states: AlertStates, metricId: number): uPlot.Plugin {
  const lines = () => states.forMetric(metricId).lines;
  let unsubscribe: (() => void) | undefined;
  return {
    opts: (_u, opts) => {
      const y = opts.scales?.y ?? {};
      // The chart's own range (e.g. bars from zero) first; thresholds only widen it.
      const own = y.range;
      return {
        ...opts,
        scales: {
          ...opts.scales,
          y: {
            ...y,
            range: (self, min, max) => {
              const base =
                typeof own === "function"
                  ? own(self, min, max, "y")
                  : Array.isArray(own)
                    ? own
                    : min == null || max == null
                      ? [min, max]
                      : uPlot.rangeNum(min, max, 0.1, true);
              let lo = base[0];
              let hi = base[1];
              const ls = lines();
              if (ls.length === 0) return base as uPlot.Range.MinMax;
              for (const l of ls) {
                const edge =
                  l.condition === "above" ? l.threshold - l.hysteresis : l.threshold + l.hysteresis;
                lo = lo == null ? Math.min(l.threshold, edge) : Math.min(lo, l.threshold, edge);
                hi = hi == null ? Math.max(l.threshold, edge) : Math.max(hi, l.threshold, edge);
              }
              if (lo == null || hi == null) return [0, 1];
              return own ? [lo, hi] : uPlot.rangeNum(lo, hi, 0.1, true);
            },
          },
        },
      };
    },
    hooks: {
      init: [
        (u) => {
          unsubscribe = states.subscribe(() => u.redraw(false, true));
        },
      ],
      destroy: [() => unsubscribe?.()],
      draw: [
        (u) => {
          const { ctx } = u;
          const { left, top, width, height } = u.bbox;
          ctx.save();
          ctx.beginPath();
          ctx.rect(left, top, width, height);
          ctx.clip();
          for (const l of lines()) {
            const color = COLORS[l.status];
            const y = u.valToPos(l.threshold, "y", true);
            if (l.hysteresis > 0) {
              const edge = l.condition === "above" ? l.threshold - l.hysteresis : l.threshold + l.hysteresis;
              const y2 = u.valToPos(edge, "y", true);
              ctx.fillStyle = withAlpha(color, 0.12);
              ctx.fillRect(left, Math.min(y, y2), width, Math.abs(y2 - y));
            }
            ctx.strokeStyle = color;
            ctx.lineWidth = (l.status === "firing" ? 2 : 1.25) * devicePixelRatio;
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(left, y);
            ctx.lineTo(left + width, y);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
}
