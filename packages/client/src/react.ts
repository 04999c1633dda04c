// React binding: `useDashboard(id)` connects one client + DashboardStream per mounted dashboard and
// re-renders at most once per animation frame with an immutable snapshot. React is an optional
// peer dependency; only this entry point (`@pulseboard/client/react`) imports it.
import { useCallback, useEffect, useState } from "react";
import { type ClientOptions, createClient } from "./client.ts";
import type { PulseboardClientError } from "./errors.ts";
import { type DashboardSnapshot, DashboardStream, type StreamOptions } from "./stream.ts";

export interface UseDashboardOptions extends Omit<ClientOptions, "url">, StreamOptions {
  /** `ws(s)://host` the server listens on; default: the page's own origin. */
  baseUrl?: string;
}

export interface UseDashboard extends Omit<DashboardSnapshot, "error"> {
  /** Terminal auth refusal, or a setup failure such as a missing WebSocket implementation. */
  error: PulseboardClientError | undefined;
  pause(): void;
  resume(): void;
}

/** The WebSocket URL of a dashboard: `{baseUrl}/ws/dashboard/{id}/`. */
export function dashboardUrl(dashboardId: number, baseUrl?: string): string {
  const base =
    baseUrl ??
    (typeof location === "undefined"
      ? "ws://127.0.0.1"
      : `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}`);
  return `${base.replace(/\/+$/, "")}/ws/dashboard/${dashboardId}/`;
}

const initial: DashboardSnapshot = {
  state: "connecting",
  config: undefined,
  series: new Map(),
  paused: false,
  error: undefined,
};

/**
 * Live state of one dashboard. Options are read when `dashboardId` (or `baseUrl`/`token`) changes;
 * changing other options on a mounted hook has no effect until then.
 */
export function useDashboard(dashboardId: number, opts: UseDashboardOptions = {}): UseDashboard {
  const [snapshot, setSnapshot] = useState<DashboardSnapshot>(initial);
  const [stream, setStream] = useState<DashboardStream | undefined>(undefined);
  const [setupError, setSetupError] = useState<PulseboardClientError | undefined>(undefined);
  const { baseUrl, token } = opts;

  // biome-ignore lint/correctness/useExhaustiveDependencies: other options apply on the next connect (documented)
  useEffect(() => {
    let created: DashboardStream;
    try {
      const client = createClient({ ...opts, url: dashboardUrl(dashboardId, baseUrl) });
      created = new DashboardStream(client, opts);
    } catch (err) {
      setSetupError(err as PulseboardClientError);
      return;
    }
    setSetupError(undefined);
    setStream(created);
    setSnapshot(created.snapshot);
    const off = created.on("change", (change) => setSnapshot(change.snapshot));
    return () => {
      off();
      created.dispose();
      created.client.close();
    };
  }, [dashboardId, baseUrl, token]);

  const pause = useCallback(() => stream?.pause(), [stream]);
  const resume = useCallback(() => stream?.resume(), [stream]);
  if (setupError) return { ...snapshot, state: "closed", error: setupError, pause, resume };
  return {
    ...snapshot,
    pause,
    resume,
  };
}
