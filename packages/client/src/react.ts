// React binding of the live store (`@pulseboard/client/react`; React is an optional peer dependency
// and only this entry point imports it). The hooks read the store's rarely-changing state through
// useSyncExternalStore; series are never React state: charts listen to their series and draw once
// per frame. `useDashboard(id)` is the one-call form for a small app: its own store and connection,
// re-rendered at most once per animation frame.
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { AlertStates, AlertStatesSnapshot } from "./alert-states.ts";
import type { ClientOptions } from "./client.ts";
import type { PulseboardClientError } from "./errors.ts";
import { dashboardUrl, LiveConnection } from "./live-connection.ts";
import { type LiveSnapshot, LiveStore } from "./live-store.ts";

/** The store's connection, presence, alerts and dashboard description; re-renders when they change. */
export function useLiveSnapshot(store: LiveStore): LiveSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** The alert states beside a store (subscribing starts their feed, the last unmount stops it). */
export function useAlertStates(states: AlertStates): AlertStatesSnapshot {
  return useSyncExternalStore(states.subscribe, states.getSnapshot);
}

export interface UseDashboardOptions extends Omit<ClientOptions, "url" | "position"> {
  /** `ws(s)://host` the server listens on; default: the page's own origin. */
  baseUrl?: string;
}

export interface UseDashboard extends LiveSnapshot {
  /** The dashboard's live store (undefined before the first effect ran, or when setup failed). */
  store: LiveStore | undefined;
  /** A metric's points as [times (s), values], oldest first: views, valid until the next frame. */
  series(metricId: number): [Float64Array, Float64Array];
  /** A setup failure such as a missing WebSocket implementation. */
  setupError: PulseboardClientError | undefined;
  pause(): void;
  resume(): void;
}

const EMPTY: [Float64Array, Float64Array] = [new Float64Array(0), new Float64Array(0)];
const idle = new LiveStore(() => {});

/**
 * Live state of one dashboard. Options are read when `dashboardId` (or `baseUrl`/`token`) changes;
 * changing other options on a mounted hook has no effect until then.
 */
export function useDashboard(dashboardId: number, opts: UseDashboardOptions = {}): UseDashboard {
  const [live, setLive] = useState<{ store: LiveStore; connection: LiveConnection } | undefined>();
  const [setupError, setSetupError] = useState<PulseboardClientError | undefined>(undefined);
  const [, setFrame] = useState(0);
  const { baseUrl, token } = opts;

  // biome-ignore lint/correctness/useExhaustiveDependencies: other options apply on the next connect (documented)
  useEffect(() => {
    const store = new LiveStore();
    const connection = new LiveConnection(store, { ...opts, url: dashboardUrl(dashboardId, baseUrl) });
    try {
      connection.start();
    } catch (err) {
      setSetupError(err as PulseboardClientError);
      return;
    }
    setSetupError(undefined);
    setLive({ store, connection });
    const off = store.onFrame(() => setFrame((n) => n + 1));
    return () => {
      off();
      connection.close();
    };
  }, [dashboardId, baseUrl, token]);

  const snapshot = useLiveSnapshot(live?.store ?? idle);
  const connection = live?.connection;
  const pause = useCallback(() => connection?.pause(), [connection]);
  const resume = useCallback(() => connection?.resumeStream(), [connection]);
  const store = live?.store;
  const series = useCallback(
    (metricId: number) => (store?.series.has(metricId) ? store.seriesFor(metricId).ring.view() : EMPTY),
    [store],
  );
  return {
    ...snapshot,
    ...(setupError ? { state: "closed" as const } : {}),
    store,
    series,
    setupError,
    pause,
    resume,
  };
}
