// A page that renders useDashboard's result into plain elements, bundled for Chromium by
// react-hook.test.ts. It uses the browser's own WebSocket (no `WebSocket` option).
import { createElement as h, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { useDashboard } from "../../src/react.ts";

declare global {
  interface Window {
    PB: { baseUrl: string; dashboardId: number };
  }
}

function App() {
  const d = useDashboard(window.PB.dashboardId, { baseUrl: window.PB.baseUrl, heartbeatMs: 0 });
  const [, cpu] = d.series(1);
  return h(
    "main",
    null,
    h("p", { id: "state" }, d.state),
    h("p", { id: "config" }, d.name),
    h("p", { id: "points" }, Array.from(cpu).join(",")),
    h("p", { id: "paused" }, String(d.paused)),
    h("p", { id: "error" }, d.error?.code ?? d.setupError?.code ?? ""),
    h("button", { id: "pause", type: "button", onClick: d.pause }, "pause"),
    h("button", { id: "resume", type: "button", onClick: d.resume }, "resume"),
  );
}

createRoot(document.getElementById("root")!).render(h(StrictMode, null, h(App)));
