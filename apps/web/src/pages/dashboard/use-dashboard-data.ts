// The data half of a dashboard page: its definition and layout read over REST, kept in step with
// the live `dashboard_config` (renames, deleted metrics), past alerts seeded into the store, and the
// tab's title and favicon.
import type { AlertStates, LiveStore } from "@pulseboard/client/live";
import type { Dashboard, Widget } from "@pulseboard/protocol/rest";
import { type Dispatch, type SetStateAction, useEffect, useState, useSyncExternalStore } from "react";
import { describeError } from "../../api/errors.ts";
import { api } from "../../api/http.ts";
import { restoreFavicon, setFiringFavicon } from "../../app/favicon.ts";
import { defaultLayout } from "../../widgets/catalog.ts";

export type DashboardData = {
  dashboard: Dashboard | null;
  setDashboard: Dispatch<SetStateAction<Dashboard | null>>;
  widgets: Widget[] | null;
  setWidgets: Dispatch<SetStateAction<Widget[] | null>>;
  error: string | null;
  setError: Dispatch<SetStateAction<string | null>>;
};

export function useDashboardData(id: number, store: LiveStore): DashboardData {
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [widgets, setWidgets] = useState<Widget[] | null>(null);
  const [error, setError] = useState<string | null>(null);

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

  return { dashboard, setDashboard, widgets, setWidgets, error, setError };
}

/**
 * The tab's title follows the name (and the number of rules firing, as does the favicon); the
 * other pages do not set one, so leaving restores it.
 */
export function useTabTitle(name: string | undefined, alertStates: AlertStates) {
  const firing = useSyncExternalStore(alertStates.subscribe, () => alertStates.getSnapshot().firing);
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
}

/** The layout without the cards of these (deleted) metrics. */
export function withoutMetrics(widgets: Widget[], metricIds: Set<number>): Widget[] {
  return widgets.filter((w) => w.metric_id === undefined || !metricIds.has(w.metric_id));
}
