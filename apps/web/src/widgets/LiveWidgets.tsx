// The small live widgets: updates-received counter, active connections (from `presence`) and the
// activity feed (the alerts panel is AlertsWidget.tsx). The counter and feed run off the store's frame tick; the
// feed re-renders at most a few times a second, whatever the update rate.

import type { ActivityItem, LiveStore } from "@pulseboard/client/live";
import { useLiveSnapshot } from "@pulseboard/client/react";
import { useEffect, useRef, useState } from "react";
import { clockTime } from "../charts/clock.ts";
import { useDashboardView, useLive } from "../pages/dashboard/context.ts";
import { describeAlert, formatValue, type WidgetProps } from "./types.ts";

/** The number of updates received, painted once per frame (status bar and counter widget). */
export function ReceivedCount({ store, testId }: { store: LiveStore; testId: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    let shown = -1;
    const paint = () => {
      if (store.received === shown || !ref.current) return;
      shown = store.received;
      ref.current.textContent = shown.toLocaleString("en-US");
    };
    paint();
    return store.onFrame(paint);
  }, [store]);
  return (
    <span ref={ref} data-testid={testId}>
      0
    </span>
  );
}

export function CounterWidget(_: WidgetProps) {
  const { store } = useLive();
  return (
    <div className="big-number">
      <ReceivedCount store={store} testId="received-count-widget" />
      <span className="muted">updates received</span>
    </div>
  );
}

export function ConnectionsWidget(_: WidgetProps) {
  const { store } = useLive();
  const { connections } = useLiveSnapshot(store);
  return (
    <div className="big-number">
      <span data-testid="connections-count-widget">{connections ?? "–"}</span>
      <span className="muted">active connections</span>
    </div>
  );
}

const FEED_INTERVAL_MS = 250;

export function ActivityWidget(_: WidgetProps) {
  return <ActivityFeed />;
}

/** The newest updates and alerts (the activity widget and the status bar's drawer). */
export function ActivityFeed() {
  const { store } = useLive();
  const { metrics } = useDashboardView();
  const [items, setItems] = useState<ActivityItem[]>([]);
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const take = () => {
      timer = undefined;
      last = performance.now();
      setItems(store.activity.slice(0, 20));
    };
    const off = store.onFrame(() => {
      if (timer) return;
      const wait = Math.max(0, FEED_INTERVAL_MS - (performance.now() - last));
      timer = setTimeout(take, wait);
    });
    take();
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [store]);
  if (items.length === 0) return <p className="muted">Waiting for updates…</p>;
  return (
    <ol className="feed" aria-label="recent activity">
      {items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the feed is a rolling window; position is the identity
        <li key={i} className={item.kind === "alert" ? `feed-alert ${item.alert.state}` : undefined}>
          <time className="muted">{clockTime(item.at)}</time>
          {item.kind === "update" ? (
            <span>
              <strong>{item.name}</strong> {formatValue(item.value, item.unit)}
            </span>
          ) : (
            <span>
              <strong>{item.alert.state === "firing" ? "Alert" : "Resolved"}</strong> {item.alert.metric_name}{" "}
              {describeAlert(item.alert, metrics.find((m) => m.id === item.alert.metric_id)?.unit ?? "")}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
