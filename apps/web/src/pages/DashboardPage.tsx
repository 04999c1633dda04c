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
import { api, exportUrl } from "../api/http.ts";
import { restoreFavicon, setFiringFavicon } from "../app/favicon.ts";
import { navigate } from "../app/router.ts";
import { useSession } from "../app/session.tsx";
import { TopBar } from "../app/TopBar.tsx";
import type { TimeWindow } from "../charts/window.ts";
import { AddWidget } from "../controls/AddWidget.tsx";
import { AlertToasts } from "../controls/AlertToasts.tsx";
import { DashboardSettings } from "../controls/DashboardSettings.tsx";
import { MetricSettings } from "../controls/MetricSettings.tsx";
import { NewMetric } from "../controls/NewMetric.tsx";
import { NotificationsPanel } from "../controls/NotificationsPanel.tsx";
import { Playback } from "../controls/Playback.tsx";
import { SharePanel } from "../controls/SharePanel.tsx";
import { LIVE_SECONDS, type RangeChoice, TimeRange } from "../controls/TimeRange.tsx";
import { alertStatesFor } from "../live/alert-states.ts";
import { DashboardConnection } from "../live/connection.ts";
import { LiveStore } from "../live/store.ts";
import { defaultLayout, newWidgetId, WIDGETS } from "../widgets/catalog.ts";
import { Grid } from "../widgets/Grid.tsx";
import { AccessNotice, StatusIndicator } from "../widgets/StatusIndicator.tsx";

/** Long ranges are drawn from about this many buckets (REST `points=`, live bucketing). */
const POINTS_PER_RANGE = 600;

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
  const [range, setRange] = useState<RangeChoice>({ kind: "5m" });
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

  useEffect(() => {
    const c = new DashboardConnection(id, store);
    connection.current = c;
    c.start();
    return () => c.close();
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
  const metricIds = useMemo(() => (idList ? idList.split(",").map(Number) : []), [idList]);
  useEffect(() => {
    if (metricIds.length === 0) return;
    let cancelled = false;
    const now = Date.now();
    if (range.kind === "custom") {
      store.liveCharts = false;
      store.setBucketSeconds(0);
      store.clearAll();
      const from = new Date(range.from).toISOString();
      const to = new Date(range.to).toISOString();
      Promise.all(metricIds.map((m) => api.values(m, { from, to, points: POINTS_PER_RANGE }))).then(
        (answers) => !cancelled && setHistory(new Map(answers.map((a) => [a.metric_id, a.values]))),
        (e) => !cancelled && setError(describeError(e)),
      );
    } else {
      setHistory(null);
      const seconds = LIVE_SECONDS[range.kind];
      const long = seconds > 300;
      store.liveCharts = true;
      store.setBucketSeconds(long ? seconds / POINTS_PER_RANGE : 0);
      store.clearAll();
      const from = new Date(now - seconds * 1000).toISOString();
      for (const m of metricIds) {
        api.values(m, long ? { from, points: POINTS_PER_RANGE } : { from, limit: 10000 }).then(
          (a) => !cancelled && store.mergeHistory(m, a.values),
          (e) => !cancelled && setError(describeError(e)),
        );
      }
    }
    return () => {
      cancelled = true;
    };
  }, [range, metricIds, store]);

  const window: TimeWindow = useMemo(
    () =>
      range.kind === "custom"
        ? { kind: "fixed", from: range.from, to: range.to }
        : { kind: "live", seconds: LIVE_SECONDS[range.kind] },
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
  const onAdd = useCallback(
    (w: Widget) => {
      const list = widgetsRef.current ?? [];
      const bottom = list.reduce((max, x) => Math.max(max, x.y + x.h), 0);
      save([...list, { ...w, x: 0, y: bottom }]);
    },
    [save],
  );

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
    setDashboard((d) => d && { ...d, name: saved.name, description: saved.description });
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
        <main className="page">
          <p className="error" role="alert">
            {error}
          </p>
        </main>
      </>
    );
  }
  const canEdit = dashboard?.role === "editor" || dashboard?.role === "owner";
  const settingsMetric = dashboard?.metrics.find((m) => m.id === settingsFor);
  return (
    <>
      <TopBar>
        {dashboard && (
          <h1 className="dashboard-title" title={dashboard.description || undefined}>
            <span data-testid="dashboard-name">{dashboard.name}</span>{" "}
            <span className={`role role-${dashboard.role}`}>{dashboard.role}</span>
          </h1>
        )}
      </TopBar>
      <div className="toolbar" role="toolbar" aria-label="Dashboard controls">
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
        <TimeRange value={range} onChange={setRange} />
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
                const span =
                  range.kind === "custom"
                    ? { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() }
                    : { from: new Date(Date.now() - LIVE_SECONDS[range.kind] * 1000).toISOString() };
                e.currentTarget.href = exportUrl(id, format, span);
              }}
            >
              {format.toUpperCase()}
            </a>
          ))}
        </span>
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
      {range.kind === "custom" && history && (
        <Playback store={store} history={history} from={range.from} to={range.to} />
      )}
      <main className="dashboard">
        {dashboard && widgets ? (
          <Grid
            widgets={widgets}
            metrics={dashboard.metrics}
            store={store}
            dashboardId={id}
            window={window}
            theme={theme}
            editing={editing}
            canEdit={canEdit}
            onSettings={onSettings}
            onArrange={onArrange}
            onRemove={onRemove}
            onChart={onChart}
            onMove={onMove}
          />
        ) : (
          <p aria-live="polite">Loading…</p>
        )}
      </main>
    </>
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
