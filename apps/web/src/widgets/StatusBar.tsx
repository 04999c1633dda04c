// The dashboard's status bar: diagnostics of the live stream (updates received, connections to
// this dashboard) and the activity feed of raw frames, kept off the canvas so the data comes first.
// The feed opens in a drawer on demand.
import type { Metric } from "@pulseboard/protocol/rest";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Panel } from "../controls/Panel.tsx";
import type { LiveStore } from "../live/store.ts";
import { ActivityWidget, ReceivedCount } from "./LiveWidgets.tsx";
import type { WidgetProps } from "./types.ts";

export function StatusBar({ store, metrics }: { store: LiveStore; metrics: Metric[] }) {
  const { connections } = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [feed, setFeed] = useState(false);
  return (
    <footer className="statusbar">
      <span>
        <ReceivedCount store={store} testId="received-count" /> updates received
      </span>
      <span>
        <span data-testid="connections-count">{connections ?? "–"}</span> active connections
      </span>
      <RenderLag store={store} />
      <button type="button" className="ghost" aria-pressed={feed} onClick={() => setFeed(!feed)}>
        Activity
      </button>
      {feed && (
        <Panel
          title="Activity"
          closeLabel="Close activity"
          onClose={() => setFeed(false)}
          testId="activity-drawer"
        >
          <ActivityWidget {...({ store, metrics } as unknown as WidgetProps)} />
        </Panel>
      )}
    </footer>
  );
}

/** Commit → render lag of the last reported window, refreshed every second (no render per frame). */
function RenderLag({ store }: { store: LiveStore }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const paint = () => {
      const f = store.lastFreshness ?? store.freshness.snapshot();
      const text = f ? `render lag p50 ${Math.round(f.p50_ms)} ms · p99 ${Math.round(f.p99_ms)} ms` : "";
      if (ref.current && ref.current.textContent !== text) ref.current.textContent = text;
    };
    paint();
    const timer = setInterval(paint, 1000);
    return () => clearInterval(timer);
  }, [store]);
  return (
    <span
      ref={ref}
      data-testid="render-lag"
      title="From the server's commit of a point to this page drawing it"
    />
  );
}
