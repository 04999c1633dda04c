// The dashboard's status bar: diagnostics of the live stream (updates received, connections to
// this dashboard) and the activity feed of raw frames, kept off the canvas so the data comes first.
// The feed opens in a drawer on demand.
import type { Metric } from "@pulseboard/client/rest";
import { useState, useSyncExternalStore } from "react";
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
