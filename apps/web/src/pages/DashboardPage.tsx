// One dashboard: loads its definition and layout over REST, opens the live stream, and owns the
// toolbar state (pause, time range, edit mode, sharing, settings). Widgets read the live store
// directly.

import type {
  ChartKind,
  Dashboard,
  DashboardSummary,
  Metric,
  StoredPoint,
  Widget,
} from "@pulseboard/client/rest";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { describeError } from "../api/errors.ts";
import { api, definitionUrl, exportUrl } from "../api/http.ts";
import { restoreFavicon, setFiringFavicon } from "../app/favicon.ts";
import { navigate } from "../app/router.ts";
import { useSession } from "../app/session.tsx";
import { TopBar } from "../app/TopBar.tsx";
import { type RangeChoice, rangeBounds, rangeFromSearch, searchWithRange } from "../charts/range.ts";
import type { TimeWindow } from "../charts/window.ts";
import { AddWidget } from "../controls/AddWidget.tsx";
import { AlertToasts } from "../controls/AlertToasts.tsx";
import { DashboardSettings } from "../controls/DashboardSettings.tsx";
import { MetricSettings } from "../controls/MetricSettings.tsx";
import { NewMetric } from "../controls/NewMetric.tsx";
import { NotificationsPanel } from "../controls/NotificationsPanel.tsx";
import { Playback } from "../controls/Playback.tsx";
import { SharePanel } from "../controls/SharePanel.tsx";
import { TimeRange } from "../controls/TimeRange.tsx";
import { alertStatesFor } from "../live/alert-states.ts";
import { DashboardConnection } from "../live/connection.ts";
import { loadDashboard, saveDashboard } from "../live/persist.ts";
import { LiveStore } from "../live/store.ts";
import { defaultLayout, firstFreeSlot, newWidgetId, WIDGETS } from "../widgets/catalog.ts";
import { Grid } from "../widgets/Grid.tsx";
import { StatusBar } from "../widgets/StatusBar.tsx";
import { AccessNotice, StatusIndicator } from "../widgets/StatusIndicator.tsx";
import type { ChartView } from "../widgets/types.ts";

/** Buckets asked for a metric no chart has measured yet (a chart asks for its pixel width). */
const FALLBACK_POINTS = 400;
/** How often the page reports its commit → render lag (and the status bar shows it). */
const FRESHNESS_REPORT_MS = Number(new URLSearchParams(location.search).get("freshness_ms")) || 10_000;
/** Up to this range, live points are kept one by one; beyond, one per bucket of the chart. */
const RAW_LIVE_SECONDS = 900;
/** How often the drawn view is kept in IndexedDB (and when the tab hides or the page leaves). */
const SAVE_EVERY_MS = 2000;

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

export function DashboardPage({ id }: { id: number }) {
  const { theme } = useSession();
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [widgets, setWidgets] = useState<Widget[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<string>("");
  const [editing, setEditing] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [configuring, setConfiguring] = useState(false);
  const [notifying, setNotifying] = useState(false);
  const [settingsFor, setSettingsFor] = useState<number | null>(null);
  const [paused, setPaused] = useState(false);
  const [{ range, refresh }, setRangeState] = useState(() => rangeFromSearch(location.search));
  const [view, setView] = useState(() => viewFromSearch(location.search));
  const [zooms, setZooms] = useState<RangeChoice[]>([]);
  const [reload, setReload] = useState(0);
  const [history, setHistory] = useState<Map<number, StoredPoint[]> | null>(null);
  const [store] = useState(() => new LiveStore());
  const connection = useRef<DashboardConnection | null>(null);
  const alertStates = useMemo(() => alertStatesFor(store, id), [store, id]);
  const firing = useSyncExternalStore(alertStates.subscribe, () => alertStates.getSnapshot().firing);

  useEffect(() => {
    let cancelled = false;
    Promise.all([api.dashboard(id), api.layout(id)]).then(
      ([d, layout]) => {
        if (cancelled) return;
        setDashboard(d);
        setWidgets(layout.widgets.length > 0 ? layout.widgets : defaultLayout(d.metrics));
        // Past alerts are a nicety: a server without alerting simply leaves the panel to live ones.
        api.alerts(id).then(
          (events) => {
            const name = (metricId: number) =>
              d.metrics.find((m) => m.id === metricId)?.name ?? `metric ${metricId}`;
            store.seedAlerts(
              events.map((e) => ({ ...e, metric_name: name(e.metric_id), timestamp: e.created_at })),
            );
          },
          () => {},
        );
      },
      (e) => !cancelled && setError(describeError(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [id, store]);

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
    let c: DashboardConnection | null = null;
    let gone = false;
    loadDashboard(id).then((saved) => {
      if (gone) return;
      if (saved) store.seedSaved(saved);
      c = new DashboardConnection(id, store, () => setReload((n) => n + 1));
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

  // Renames and deletions made elsewhere (another page, a program) arrive as a re-announced
  // dashboard_config: the title and cards follow it, and cards of deleted metrics leave this page's
  // layout (the server already dropped them from the stored one; a later save here must not name
  // them either).
  useEffect(() => {
    let seen = store.getSnapshot();
    return store.subscribe(() => {
      const next = store.getSnapshot();
      const { name, description, metrics } = next;
      if (name !== seen.name || description !== seen.description)
        setDashboard((d) => d && { ...d, name, description });
      if (metrics !== seen.metrics) {
        const gone = new Set(seen.metrics.map((m) => m.id));
        for (const m of metrics) gone.delete(m.id);
        setDashboard((d) => d && { ...d, metrics: metrics.map((m) => ({ ...m, dashboard_id: d.id })) });
        if (gone.size > 0) setWidgets((list) => list && withoutMetrics(list, gone));
      }
      seen = next;
    });
  }, [store]);

  // The tab's title follows the name (and the number of rules firing, as does the favicon); the
  // other pages do not set one, so leaving restores it.
  const name = dashboard?.name;
  useEffect(() => {
    if (name === undefined) return;
    document.title = `${firing > 0 ? `(${firing}) ` : ""}${name} · Pulseboard`;
    return () => {
      document.title = "Pulseboard";
    };
  }, [name, firing]);
  useEffect(() => {
    if (firing > 0) setFiringFavicon(firing);
    else restoreFavicon();
  }, [firing]);
  useEffect(() => () => restoreFavicon(), []);

  // History for the chosen range; live points keep flowing in and are merged, not lost. Keyed by
  // the ids alone: a renamed metric keeps its history.
  const idList = dashboard?.metrics.map((m) => m.id).join(",") ?? "";
  const metricTypes = useRef(new Map<number, Metric["type"]>());
  /** buckets last asked for, per metric */
  const asked = useRef(new Map<number, number>());
  metricTypes.current = new Map(dashboard?.metrics.map((m) => [m.id, m.type]) ?? []);
  const metricIds = useMemo(() => (idList ? idList.split(",").map(Number) : []), [idList]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `reload` (auto-refresh) re-reads the same range
  useEffect(() => {
    if (metricIds.length === 0) return;
    let cancelled = false;
    // Each metric is read in as many buckets as its widest chart is pixels wide: a year costs what
    // a minute does, and no bucket is narrower than a pixel.
    const points = (m: number) => {
      const n = Math.min(10_000, store.widthFor(m) || FALLBACK_POINTS);
      asked.current.set(m, n);
      return n;
    };
    const [fromMs, toMs] = rangeBounds(range);
    const types = new Map(metricTypes.current);
    // A histogram's percentiles need its observations, not bucket averages: short ranges read them
    // raw (a server-side quantile query would serve long ones exactly; until then they are
    // percentiles of bucket averages).
    const query = (m: number, span: { from: string; to?: string }) =>
      types.get(m) === "histogram" && toMs - fromMs <= RAW_LIVE_SECONDS * 1000
        ? { ...span, limit: 10_000 }
        : { ...span, points: points(m) };
    // A counter's bucket is drawn at its start with its smallest total (the total at that time), so
    // the totals stay monotonic next to raw live points and no false reset appears.
    const shownPoints = (m: number, values: StoredPoint[]) =>
      types.get(m) === "counter" ? values.map((v) => ({ ...v, value: v.min ?? v.value })) : values;
    const from = new Date(fromMs).toISOString();
    const widest = Math.max(...metricIds.map(points));
    store.historyBucketSeconds = (toMs - fromMs) / 1000 / widest;
    if (range.kind === "absolute") {
      store.liveCharts = false;
      store.setBucketSeconds(0);
      store.clearAll();
      const to = new Date(toMs).toISOString();
      Promise.all(metricIds.map((m) => api.values(m, query(m, { from, to })))).then(
        (answers) =>
          !cancelled &&
          setHistory(new Map(answers.map((a) => [a.metric_id, shownPoints(a.metric_id, a.values)]))),
        (e) => !cancelled && setError(describeError(e)),
      );
    } else {
      setHistory(null);
      const seconds = range.seconds;
      // Live points (and a view kept from an earlier page) stay while the buckets do: the stored
      // history is merged into them. Other buckets, or a custom range before, start afresh.
      const bucket = seconds > RAW_LIVE_SECONDS ? seconds / widest : 0;
      const keep = store.liveCharts && store.liveBucketSeconds === bucket;
      store.liveCharts = true;
      store.setBucketSeconds(bucket);
      if (!keep) store.clearAll();
      for (const m of metricIds) {
        api.values(m, query(m, { from })).then(
          (a) => !cancelled && store.mergeHistory(m, shownPoints(m, a.values)),
          (e) => !cancelled && setError(describeError(e)),
        );
      }
    }
    return () => {
      cancelled = true;
    };
  }, [range, metricIds, store, reload]);

  // A chart that changed width (layout settled, window resized, panel alone) asks again, so its
  // buckets stay one per pixel.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = store.onWidthChange(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const [m, n] of asked.current) {
          const w = store.widthFor(m);
          if (w > 0 && w !== n && asked.current.get(m) === n) {
            setReload((r) => r + 1);
            return;
          }
        }
      }, 250);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [store]);

  // Auto-refresh: the range's history is read again (live points keep streaming meanwhile).
  useEffect(() => {
    if (refresh <= 0) return;
    const timer = setInterval(() => setReload((n) => n + 1), refresh * 1000);
    return () => clearInterval(timer);
  }, [refresh]);

  // The range and view live in the URL: reload, bookmark and share show the same thing, and the
  // browser's Back undoes a zoom.
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

  const widgetsRef = useRef(widgets);
  widgetsRef.current = widgets;
  const save = useCallback(
    (next: Widget[]) => {
      setWidgets(next);
      setSaveState("Saving…");
      api.putLayout(id, next).then(
        () => setSaveState("Layout saved"),
        (e) => setSaveState(`Not saved: ${describeError(e)}`),
      );
    },
    [id],
  );
  const onArrange = useCallback((next: Widget[]) => save(next), [save]);
  const onRemove = useCallback(
    (wid: string) => save((widgetsRef.current ?? []).filter((w) => w.id !== wid)),
    [save],
  );
  const onChart = useCallback(
    (wid: string, chart: ChartKind) =>
      save((widgetsRef.current ?? []).map((w) => (w.id === wid ? { ...w, chart } : w))),
    [save],
  );
  const onMove = useCallback(
    (wid: string, delta: -1 | 1) => save(moveWidget(widgetsRef.current ?? [], wid, delta)),
    [save],
  );
  // A new panel takes the first free slot (top-left first), not the bottom of the page.
  const onAdd = useCallback(
    (w: Widget) => {
      const list = widgetsRef.current ?? [];
      save([...list, { ...w, ...firstFreeSlot(list, w.w, w.h) }]);
    },
    [save],
  );
  const onDuplicate = useCallback(
    (wid: string) => {
      const w = (widgetsRef.current ?? []).find((x) => x.id === wid);
      if (w) onAdd({ ...w, id: newWidgetId() });
    },
    [onAdd],
  );
  const onPatch = useCallback(
    (wid: string, patch: Partial<Widget>) =>
      save((widgetsRef.current ?? []).map((w) => (w.id === wid ? { ...w, ...patch } : w))),
    [save],
  );
  const onFullscreen = useCallback((wid: string | null) => setSearchParam("panel", wid), []);

  // A metric defined here gets a card at once; its points stream once the connection subscribes
  // (the server re-sends dashboard_config and the connection subscribes new metrics).
  const onMetricCreated = useCallback(
    (m: Metric) => {
      setDashboard((d) => (d ? { ...d, metrics: [...d.metrics, m] } : d));
      const spec = WIDGETS.metric;
      onAdd({ id: newWidgetId(), type: "metric", metric_id: m.id, x: 0, y: 0, w: spec.w, h: spec.h });
    },
    [onAdd],
  );

  const onSaved = useCallback((saved: DashboardSummary) => {
    setDashboard((d) => d && { ...d, name: saved.name, description: saved.description, tags: saved.tags });
  }, []);
  // This page's own stream is closed with 4004 too; the list is where the owner lands.
  const onDeleted = useCallback(() => navigate("/"), []);

  const onSettings = useCallback((metricId: number) => setSettingsFor(metricId), []);
  const onMetricSaved = useCallback((m: Metric) => {
    setDashboard((d) => d && { ...d, metrics: d.metrics.map((x) => (x.id === m.id ? m : x)) });
  }, []);
  // The server drops a deleted metric's cards from the stored layout itself.
  const onMetricDeleted = useCallback((metricId: number) => {
    setSettingsFor(null);
    setDashboard((d) => d && { ...d, metrics: d.metrics.filter((m) => m.id !== metricId) });
    setWidgets((list) => list && withoutMetrics(list, new Set([metricId])));
  }, []);

  if (error && !dashboard) {
    return (
      <>
        <TopBar />
        <main className="page error-page">
          <h1>Dashboard not available</h1>
          <p className="error" role="alert">
            {error}
          </p>
          <p>
            <a
              href="/"
              className="button primary"
              onClick={(e) => {
                e.preventDefault();
                navigate("/");
              }}
            >
              ← Back to your dashboards
            </a>
          </p>
        </main>
      </>
    );
  }
  const canEdit = dashboard?.role === "editor" || dashboard?.role === "owner";
  const settingsMetric = dashboard?.metrics.find((m) => m.id === settingsFor);
  const single = view.panel ? widgets?.filter((w) => w.id === view.panel) : undefined;
  const shownWidgets = single && single.length > 0 ? single : widgets;
  const exportSpan = () => {
    const [f, t] = rangeBounds(range);
    return range.kind === "absolute"
      ? { from: new Date(f).toISOString(), to: new Date(t).toISOString() }
      : { from: new Date(f).toISOString() };
  };
  return (
    <div className={`dashboard-page${view.kiosk ? " kiosk" : ""}`}>
      {!view.kiosk && (
        <TopBar>
          {dashboard && (
            <h1 className="dashboard-title" title={dashboard.description || undefined}>
              <span data-testid="dashboard-name">{dashboard.name}</span>{" "}
              <span className={`role role-${dashboard.role}`}>{dashboard.role}</span>
            </h1>
          )}
        </TopBar>
      )}
      {view.kiosk && (
        <button
          type="button"
          className="kiosk-exit ghost"
          data-testid="kiosk-exit"
          onClick={() => setSearchParam("kiosk", null)}
        >
          Exit TV mode
        </button>
      )}
      <div className="toolbar" role="toolbar" aria-label="Dashboard controls" hidden={view.kiosk}>
        <StatusIndicator store={store} />
        <button
          type="button"
          data-testid="pause-toggle"
          aria-pressed={paused}
          onClick={() => {
            if (paused) connection.current?.resumeStream();
            else connection.current?.pause();
            setPaused(!paused);
          }}
        >
          {paused ? "▶ Resume" : "❚❚ Pause"}
        </button>
        <TimeRange
          value={range}
          onChange={setRange}
          refresh={refresh}
          onRefresh={setRefresh}
          onBack={onBack}
        />
        <span className="spacer" />
        <span className="export">
          Export
          {(["csv", "json"] as const).map((format) => (
            <a
              key={format}
              className="button"
              data-testid={`export-${format}`}
              download
              href={exportUrl(id, format, {})}
              onClick={(e) => {
                // The span is computed at click time so a live range exports up to now.
                e.currentTarget.href = exportUrl(id, format, exportSpan());
              }}
            >
              {format.toUpperCase()}
            </a>
          ))}
          <a
            className="button"
            data-testid="export-definition"
            download
            href={definitionUrl(id)}
            title="Layout, panels, metrics and alert rules as JSON (no data)"
          >
            Definition
          </a>
        </span>
        <button
          type="button"
          data-testid="kiosk-toggle"
          onClick={() => setSearchParam("kiosk", "1")}
          title="TV mode: only the panels, full window"
        >
          TV mode
        </button>
        {canEdit && (
          <button
            type="button"
            aria-pressed={editing}
            data-testid="edit-toggle"
            onClick={() => setEditing(!editing)}
          >
            {editing ? "Done" : "Edit layout"}
          </button>
        )}
        {canEdit && (
          <button type="button" aria-pressed={notifying} onClick={() => setNotifying(!notifying)}>
            Notifications
          </button>
        )}
        {dashboard?.role === "owner" && (
          <button type="button" aria-pressed={sharing} onClick={() => setSharing(!sharing)}>
            Share
          </button>
        )}
        {dashboard?.role === "owner" && (
          <button type="button" aria-pressed={configuring} onClick={() => setConfiguring(!configuring)}>
            Settings
          </button>
        )}
      </div>
      <AccessNotice store={store} />
      {sharing && <SharePanel dashboardId={id} onClose={() => setSharing(false)} />}
      {notifying && dashboard && (
        <NotificationsPanel
          dashboardId={id}
          metrics={dashboard.metrics}
          onClose={() => setNotifying(false)}
        />
      )}
      <AlertToasts states={alertStates} metrics={dashboard?.metrics ?? []} />
      {configuring && dashboard && (
        <DashboardSettings
          dashboard={dashboard}
          onClose={() => setConfiguring(false)}
          onSaved={onSaved}
          onDeleted={onDeleted}
        />
      )}
      {settingsMetric && (
        <MetricSettings
          key={settingsMetric.id}
          dashboardId={id}
          metric={settingsMetric}
          canEdit={canEdit}
          onClose={() => setSettingsFor(null)}
          onSaved={onMetricSaved}
          onDeleted={onMetricDeleted}
        />
      )}
      {editing && dashboard && (
        <div className="edit-bar">
          <AddWidget metrics={dashboard.metrics} onAdd={onAdd} />
          <NewMetric dashboardId={id} onCreated={onMetricCreated} />
          <span className="muted" role="status" data-testid="save-state">
            {saveState || "Drag widgets by their title; resize from the corner."}
          </span>
        </div>
      )}
      {error && dashboard && (
        <p className="error banner" role="alert">
          {error}
        </p>
      )}
      {range.kind === "absolute" && history && (
        <Playback store={store} history={history} from={range.from} to={range.to} />
      )}
      {single && single.length > 0 && (
        <div className="single-bar">
          <button type="button" data-testid="panel-exit" onClick={() => onFullscreen(null)}>
            ← All panels
          </button>
        </div>
      )}
      <main className={single && single.length > 0 ? "dashboard single" : "dashboard"}>
        {dashboard && shownWidgets ? (
          <Grid
            widgets={
              single && single.length > 0
                ? single.map((w) => ({ ...w, x: 0, y: 0, w: 12, h: 10 }))
                : shownWidgets
            }
            metrics={dashboard.metrics}
            store={store}
            dashboardId={id}
            window={window}
            theme={theme}
            editing={editing && !single?.length}
            canEdit={canEdit}
            view={chartView}
            onSettings={onSettings}
            onArrange={onArrange}
            onRemove={onRemove}
            onChart={onChart}
            onMove={onMove}
            onDuplicate={onDuplicate}
            onPatch={onPatch}
            onFullscreen={onFullscreen}
          />
        ) : (
          <p aria-live="polite">Loading…</p>
        )}
      </main>
      {!view.kiosk && <StatusBar store={store} metrics={dashboard?.metrics ?? []} />}
    </div>
  );
}

/** The layout without the cards of these (deleted) metrics. */
function withoutMetrics(widgets: Widget[], metricIds: Set<number>): Widget[] {
  return widgets.filter((w) => w.metric_id === undefined || !metricIds.has(w.metric_id));
}

/** Swaps a widget's place with its neighbour in reading order (top-to-bottom, left-to-right). */
export function moveWidget(widgets: Widget[], id: string, delta: -1 | 1): Widget[] {
  const order = [...widgets].sort((a, b) => a.y - b.y || a.x - b.x);
  const i = order.findIndex((w) => w.id === id);
  const j = i + delta;
  const a = order[i];
  const b = order[j];
  if (!a || !b) return widgets;
  return widgets.map((w) => {
    if (w.id === a.id) return { ...w, x: b.x, y: b.y };
    if (w.id === b.id) return { ...w, x: a.x, y: a.y };
    return w;
  });
}
