// Owns one open dashboard and hands it down by context instead of props: the live connection
// (use-live-connection), its data (use-dashboard-data, use-history), what is shown (use-range) and
// the layout (use-layout). Widgets read the contexts of ./context.ts and take only `{widget}`; the
// page's own controls read `usePage()`.
import type { Dashboard, DashboardSummary, Metric, StoredPoint, Widget } from "@pulseboard/protocol/rest";
import {
  createContext,
  type Dispatch,
  type ReactNode,
  type SetStateAction,
  useCallback,
  useContext,
  useMemo,
  useReducer,
  useState,
} from "react";
import { navigate } from "../../app/router.ts";
import { useSession } from "../../app/session.tsx";
import { newWidgetId, WIDGETS } from "../../widgets/catalog.ts";
import { type LayoutContext, LayoutCtx, LiveCtx, ViewCtx } from "./context.ts";
import { useDashboardData, useTabTitle, withoutMetrics } from "./use-dashboard-data.ts";
import { useHistory } from "./use-history.ts";
import { useLayout } from "./use-layout.ts";
import { useLiveConnection } from "./use-live-connection.ts";
import { useRange } from "./use-range.ts";

export type PageContext = ReturnType<typeof useRange> & {
  id: number;
  dashboard: Dashboard | null;
  widgets: Widget[] | null;
  error: string | null;
  /** the loaded points of a custom range (played back) */
  history: Map<number, StoredPoint[]> | null;
  saveState: string;
  canEdit: boolean;
  editing: boolean;
  setEditing: Dispatch<SetStateAction<boolean>>;
  /** the metric whose settings panel is open */
  settingsMetric: Metric | undefined;
  closeSettings: () => void;
  onAdd: (w: Widget) => void;
  onMetricCreated: (m: Metric) => void;
  onSaved: (saved: DashboardSummary) => void;
  onDeleted: () => void;
  onMetricSaved: (m: Metric) => void;
  onMetricDeleted: (metricId: number) => void;
};

const PageCtx = createContext<PageContext | null>(null);
const NO_METRICS: Metric[] = [];

export function usePage(): PageContext {
  const page = useContext(PageCtx);
  if (!page) throw new Error("usePage is read outside a DashboardProvider");
  return page;
}

export function DashboardProvider({ id, children }: { id: number; children: ReactNode }) {
  const { theme } = useSession();
  const [reload, bumpReload] = useReducer((n: number) => n + 1, 0);
  const live = useLiveConnection(id, bumpReload);
  const { dashboard, setDashboard, widgets, setWidgets, error, setError } = useDashboardData(id, live.store);
  useTabTitle(dashboard?.name, live.alertStates);
  const shown = useRange(id);
  const history = useHistory({
    store: live.store,
    metrics: dashboard?.metrics,
    range: shown.range,
    refresh: shown.refresh,
    reload,
    bumpReload,
    setError,
  });
  const layout = useLayout(id, widgets, setWidgets);
  const [editing, setEditing] = useState(false);
  const [settingsFor, setSettingsFor] = useState<number | null>(null);
  const { onAdd, saveState } = layout;

  // A metric defined here gets a card at once; its points stream once the connection subscribes
  // (the server re-sends dashboard_config and the connection subscribes new metrics).
  const onMetricCreated = useCallback(
    (m: Metric) => {
      setDashboard((d) => (d ? { ...d, metrics: [...d.metrics, m] } : d));
      const spec = WIDGETS.metric;
      onAdd({ id: newWidgetId(), type: "metric", metric_id: m.id, x: 0, y: 0, w: spec.w, h: spec.h });
    },
    [onAdd, setDashboard],
  );
  const onSaved = useCallback(
    (saved: DashboardSummary) => {
      setDashboard((d) => d && { ...d, name: saved.name, description: saved.description, tags: saved.tags });
    },
    [setDashboard],
  );
  // This page's own stream is closed with 4004 too; the list is where the owner lands.
  const onDeleted = useCallback(() => navigate("/"), []);
  const onSettings = useCallback((metricId: number) => setSettingsFor(metricId), []);
  const closeSettings = useCallback(() => setSettingsFor(null), []);
  const onMetricSaved = useCallback(
    (m: Metric) => {
      setDashboard((d) => d && { ...d, metrics: d.metrics.map((x) => (x.id === m.id ? m : x)) });
    },
    [setDashboard],
  );
  // The server drops a deleted metric's cards from the stored layout itself.
  const onMetricDeleted = useCallback(
    (metricId: number) => {
      setSettingsFor(null);
      setDashboard((d) => d && { ...d, metrics: d.metrics.filter((m) => m.id !== metricId) });
      setWidgets((list) => list && withoutMetrics(list, new Set([metricId])));
    },
    [setDashboard, setWidgets],
  );
  const onFullscreen = shown.setPanel;

  const canEdit = dashboard?.role === "editor" || dashboard?.role === "owner";
  const single = shown.view.panel ? widgets?.some((w) => w.id === shown.view.panel) : false;
  const metrics = dashboard?.metrics ?? NO_METRICS;
  const view = useMemo(
    () => ({ metrics, window: shown.window, theme, view: shown.chartView }),
    [metrics, shown.window, theme, shown.chartView],
  );
  const editingShown = editing && !single;
  const { onArrange, onRemove, onChart, onMove, onDuplicate, onPatch } = layout;
  const layoutActions: LayoutContext = useMemo(
    () => ({
      editing: editingShown,
      canEdit,
      onSettings,
      onArrange,
      onRemove,
      onChart,
      onMove,
      onDuplicate,
      onPatch,
      onFullscreen,
    }),
    [
      editingShown,
      canEdit,
      onSettings,
      onArrange,
      onRemove,
      onChart,
      onMove,
      onDuplicate,
      onPatch,
      onFullscreen,
    ],
  );
  const page: PageContext = {
    ...shown,
    id,
    dashboard,
    widgets,
    error,
    history,
    saveState,
    canEdit,
    editing,
    setEditing,
    settingsMetric: dashboard?.metrics.find((m) => m.id === settingsFor),
    closeSettings,
    onAdd,
    onMetricCreated,
    onSaved,
    onDeleted,
    onMetricSaved,
    onMetricDeleted,
  };
  return (
    <LiveCtx.Provider value={live}>
      <ViewCtx.Provider value={view}>
        <LayoutCtx.Provider value={layoutActions}>
          <PageCtx.Provider value={page}>{children}</PageCtx.Provider>
        </LayoutCtx.Provider>
      </ViewCtx.Provider>
    </LiveCtx.Provider>
  );
}
