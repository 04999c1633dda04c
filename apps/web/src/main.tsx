// Entry point: mounts the app and installs the test/perf hooks on window.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { chartCount, chartPlot, chartSeries } from "./charts/registry.ts";
import { startPerfMonitor } from "./live/perf.ts";
import "./styles.css";

declare global {
  interface Window {
    __pulseboardPerf: ReturnType<typeof startPerfMonitor>;
    __pulseboardSeries: typeof chartSeries;
    __pulseboardCharts: typeof chartCount;
    __pulseboardPlot: typeof chartPlot;
  }
}

window.__pulseboardPerf = startPerfMonitor();
window.__pulseboardSeries = chartSeries;
window.__pulseboardCharts = chartCount;
window.__pulseboardPlot = chartPlot;

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
