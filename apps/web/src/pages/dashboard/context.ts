// What a dashboard's widgets and controls read from the page, in three contexts split by how often
// they change, so nothing re-renders a chart more often than the props did before:
// - live: the SDK's store and alert states and the connection's pause/resume (fixed per dashboard);
// - view: metrics, time window, theme and the shared chart view (change on a user's action);
// - layout: the layout actions and edit mode (the widget frame's tools).
import type { AlertStates, LiveStore } from "@pulseboard/client/live";
import type { ChartKind, Metric, Widget } from "@pulseboard/protocol/rest";
import { createContext, useContext } from "react";
import type { TimeWindow } from "../../charts/window.ts";
import type { ChartView } from "../../widgets/types.ts";

export type LiveContext = {
  dashboardId: number;
  store: LiveStore;
  alertStates: AlertStates;
  pause: () => void;
  resume: () => void;
};

export type ViewContext = {
  metrics: Metric[];
  window: TimeWindow;
  theme: string;
  view: ChartView;
};

export type LayoutContext = {
  editing: boolean;
  /** editor or owner: the settings button says "settings", for viewers "alert rules" */
  canEdit: boolean;
  /** open the settings panel of a metric (its card's ⚙ button) */
  onSettings: (metricId: number) => void;
  /** a user finished moving/resizing: new positions to keep and save */
  onArrange: (widgets: Widget[]) => void;
  onRemove: (id: string) => void;
  onChart: (id: string, chart: ChartKind) => void;
  onMove: (id: string, delta: -1 | 1) => void;
  onDuplicate: (id: string) => void;
  /** change some fields of a widget (title, counter mode, text…) and save */
  onPatch: (id: string, patch: Partial<Widget>) => void;
  /** show one panel alone (null: all of them again) */
  onFullscreen: (id: string | null) => void;
};

export const LiveCtx = createContext<LiveContext | null>(null);
export const ViewCtx = createContext<ViewContext | null>(null);
export const LayoutCtx = createContext<LayoutContext | null>(null);

function need<T>(value: T | null, name: string): T {
  if (value === null) throw new Error(`${name} is read outside a DashboardProvider`);
  return value;
}

/** The dashboard's live store, alert states and stream controls. */
export function useLive(): LiveContext {
  return need(useContext(LiveCtx), "useLive");
}

/** Metrics, time window, theme and chart view of the dashboard being shown. */
export function useDashboardView(): ViewContext {
  return need(useContext(ViewCtx), "useDashboardView");
}

export function useLayoutActions(): LayoutContext {
  return need(useContext(LayoutCtx), "useLayoutActions");
}
