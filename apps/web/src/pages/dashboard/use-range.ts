// What a dashboard shows, kept in the URL: the time range and auto-refresh, TV mode and a single
// panel (reload, bookmark and share show the same thing, and the browser's Back undoes a zoom);
// the zoom stack behind the charts' drag-to-zoom; Esc to leave the single panel, then TV mode.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type RangeChoice, rangeBounds, rangeFromSearch, searchWithRange } from "../../charts/range.ts";
import type { TimeWindow } from "../../charts/window.ts";
import type { ChartView } from "../../widgets/types.ts";

/** What the URL says besides the range: `?kiosk=1` (TV mode), `?panel=<widget id>` (one panel). */
function viewFromSearch(search: string) {
  const p = new URLSearchParams(search);
  return { kiosk: p.get("kiosk") === "1", panel: p.get("panel") };
}

function setSearchParam(name: string, value: string | null) {
  const p = new URLSearchParams(location.search);
  if (value === null) p.delete(name);
  else p.set(name, value);
  const text = p.toString().replace(/%3A/g, ":");
  history.pushState(null, "", `${location.pathname}${text ? `?${text}` : ""}`);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRange(id: number) {
  const [{ range, refresh }, setRangeState] = useState(() => rangeFromSearch(location.search));
  const [view, setView] = useState(() => viewFromSearch(location.search));
  const [zooms, setZooms] = useState<RangeChoice[]>([]);

  const setRange = useCallback(
    (next: RangeChoice, push = false) => {
      setRangeState({ range: next, refresh });
      const url = location.pathname + searchWithRange(location.search, next, refresh);
      if (push) globalThis.history.pushState(null, "", url);
      else globalThis.history.replaceState(null, "", url);
    },
    [refresh],
  );
  const setRefresh = useCallback(
    (seconds: number) => {
      setRangeState({ range, refresh: seconds });
      globalThis.history.replaceState(
        null,
        "",
        location.pathname + searchWithRange(location.search, range, seconds),
      );
    },
    [range],
  );
  useEffect(() => {
    const onPop = () => {
      setRangeState(rangeFromSearch(location.search));
      setView(viewFromSearch(location.search));
    };
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  // The first render writes the range into the URL, so even the default view can be shared.
  useEffect(() => {
    globalThis.history.replaceState(
      null,
      "",
      location.pathname + searchWithRange(location.search, range, refresh),
    );
  }, [range, refresh]);

  // Esc leaves the single-panel view, then TV mode (an open drawer takes Esc for itself).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || document.querySelector("dialog[open]")) return;
      const v = viewFromSearch(location.search);
      if (v.panel) setSearchParam("panel", null);
      else if (v.kiosk) setSearchParam("kiosk", null);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const rangeRef = useRef(range);
  rangeRef.current = range;
  const zoomsRef = useRef(zooms);
  zoomsRef.current = zooms;
  const chartView: ChartView = useMemo(
    () => ({
      syncKey: `dashboard-${id}`,
      onZoom: (from, to) => {
        if (to - from < 1000) return;
        setZooms([...zoomsRef.current, rangeRef.current]);
        setRange({ kind: "absolute", from, to }, true);
      },
      onZoomOut: () => {
        const previous = zoomsRef.current.at(-1);
        if (previous) {
          setZooms(zoomsRef.current.slice(0, -1));
          setRange(previous);
          return;
        }
        // Nothing to go back to: widen the view around its middle, as Grafana's zoom out does.
        const [f, t] = rangeBounds(rangeRef.current);
        const mid = (f + t) / 2;
        const span = t - f;
        setRange({ kind: "absolute", from: mid - span, to: Math.min(Date.now(), mid + span) });
      },
    }),
    [id, setRange],
  );
  const onBack = zooms.length > 0 ? chartView.onZoomOut : undefined;

  const window: TimeWindow = useMemo(
    () =>
      range.kind === "absolute"
        ? { kind: "fixed", from: range.from, to: range.to }
        : { kind: "live", seconds: range.seconds },
    [range],
  );
  const setPanel = useCallback((wid: string | null) => setSearchParam("panel", wid), []);
  const setKiosk = useCallback((on: boolean) => setSearchParam("kiosk", on ? "1" : null), []);
  return { range, refresh, setRange, setRefresh, view, setPanel, setKiosk, chartView, onBack, window };
}
