// The live half of a dashboard page: the SDK's LiveStore and AlertStates, the LiveConnection that
// feeds them, what survives a reload (IndexedDB, see live/persist.ts) and the freshness report.
import { dashboardUrl, LiveConnection, LiveStore } from "@pulseboard/client/live";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../api/http.ts";
import { createAlertStates } from "../../live/alert-feed.ts";
import { loadDashboard, saveDashboard } from "../../live/persist.ts";
import type { LiveContext } from "./context.ts";

/** How often the page reports its commit → render lag (and the status bar shows it). */
const FRESHNESS_REPORT_MS = Number(new URLSearchParams(location.search).get("freshness_ms")) || 10_000;
/** How often the drawn view is kept in IndexedDB (and when the tab hides or the page leaves). */
const SAVE_EVERY_MS = 2000;

/** `onGap`: what was committed while away could not be replayed (the page refetches its range). */
export function useLiveConnection(id: number, onGap: () => void): LiveContext {
  const [store] = useState(() => new LiveStore());
  const alertStates = useMemo(() => createAlertStates(store, id), [store, id]);
  const connection = useRef<LiveConnection | null>(null);
  const gap = useRef(onGap);
  gap.current = onGap;

  // Every few seconds the lag of what this page drew goes to the server (and its /metrics).
  useEffect(() => {
    const timer = setInterval(() => {
      const snapshot = store.freshness.snapshot();
      if (!snapshot) return;
      store.lastFreshness = snapshot;
      store.freshness.reset();
      api.reportFreshness(id, snapshot).catch(() => {});
    }, FRESHNESS_REPORT_MS);
    return () => clearInterval(timer);
  }, [id, store]);

  // The view an earlier page left (IndexedDB) is drawn at once and the connection resumes from its
  // position; this page's view is kept every few seconds, when the tab hides and when it leaves.
  useEffect(() => {
    let c: LiveConnection | null = null;
    let gone = false;
    loadDashboard(id).then((saved) => {
      if (gone) return;
      if (saved) store.seedSaved(saved);
      // The browser sends the session cookie with the handshake; no token in the page.
      c = new LiveConnection(store, { url: dashboardUrl(id), onGap: () => gap.current() });
      connection.current = c;
      c.start(saved?.position);
    });
    const save = () => {
      const view = store.toSave(id);
      if (view) void saveDashboard(view);
    };
    const timer = setInterval(save, SAVE_EVERY_MS);
    const onHide = () => document.visibilityState === "hidden" && save();
    document.addEventListener("visibilitychange", onHide);
    globalThis.addEventListener("pagehide", save);
    return () => {
      gone = true;
      save();
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onHide);
      globalThis.removeEventListener("pagehide", save);
      c?.close();
    };
  }, [id, store]);

  const pause = useCallback(() => connection.current?.pause(), []);
  const resume = useCallback(() => connection.current?.resumeStream(), []);
  return useMemo(
    () => ({ dashboardId: id, store, alertStates, pause, resume }),
    [id, store, alertStates, pause, resume],
  );
}
