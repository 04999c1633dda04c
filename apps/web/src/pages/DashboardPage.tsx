// One dashboard: DashboardProvider (./dashboard/) owns its data, layout and live connection; this
// module draws the page from them — the toolbar and its panels, the grid and the status bar.
import { useState } from "react";
import { definitionUrl, exportUrl } from "../api/http.ts";
import { navigate } from "../app/router.ts";
import { TopBar } from "../app/TopBar.tsx";
import { rangeBounds } from "../charts/range.ts";
import { AddWidget } from "../controls/AddWidget.tsx";
import { AlertToasts } from "../controls/AlertToasts.tsx";
import { DashboardSettings } from "../controls/DashboardSettings.tsx";
import { MetricSettings } from "../controls/MetricSettings.tsx";
import { NewMetric } from "../controls/NewMetric.tsx";
import { NotificationsPanel } from "../controls/NotificationsPanel.tsx";
import { Playback } from "../controls/Playback.tsx";
import { RuleSetsPanel } from "../controls/RuleSets.tsx";
import { SharePanel } from "../controls/SharePanel.tsx";
import { TimeRange } from "../controls/TimeRange.tsx";
import { Grid } from "../widgets/Grid.tsx";
import { StatusBar } from "../widgets/StatusBar.tsx";
import { AccessNotice, StatusIndicator } from "../widgets/StatusIndicator.tsx";
import { useLive } from "./dashboard/context.ts";
import { DashboardProvider, usePage } from "./dashboard/DashboardProvider.tsx";

export function DashboardPage({ id }: { id: number }) {
  return (
    <DashboardProvider id={id}>
      <DashboardScreen />
    </DashboardProvider>
  );
}

function DashboardScreen() {
  const page = usePage();
  const { id, dashboard, widgets, error, view, range } = page;
  const { store } = useLive();

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
  const single = view.panel ? widgets?.filter((w) => w.id === view.panel) : undefined;
  const shownWidgets = single && single.length > 0 ? single : widgets;
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
          onClick={() => page.setKiosk(false)}
        >
          Exit TV mode
        </button>
      )}
      <Toolbar />
      {page.settingsMetric && (
        <MetricSettings
          key={page.settingsMetric.id}
          dashboardId={id}
          metric={page.settingsMetric}
          canEdit={page.canEdit}
          onClose={page.closeSettings}
          onSaved={page.onMetricSaved}
          onDeleted={page.onMetricDeleted}
        />
      )}
      {page.editing && dashboard && (
        <div className="edit-bar">
          <AddWidget metrics={dashboard.metrics} onAdd={page.onAdd} />
          <NewMetric dashboardId={id} onCreated={page.onMetricCreated} />
          <span className="muted" role="status" data-testid="save-state">
            {page.saveState || "Drag widgets by their title; resize from the corner."}
          </span>
        </div>
      )}
      {error && dashboard && (
        <p className="error banner" role="alert">
          {error}
        </p>
      )}
      {range.kind === "absolute" && page.history && (
        <Playback store={store} history={page.history} from={range.from} to={range.to} />
      )}
      {single && single.length > 0 && (
        <div className="single-bar">
          <button type="button" data-testid="panel-exit" onClick={() => page.setPanel(null)}>
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
          />
        ) : (
          <p aria-live="polite">Loading…</p>
        )}
      </main>
      {!view.kiosk && <StatusBar />}
    </div>
  );
}

/** Pause, time range, export, TV mode and the toggles of the page's panels. */
function Toolbar() {
  const page = usePage();
  const { id, dashboard, range, refresh, view, canEdit, editing, setEditing } = page;
  const live = useLive();
  const [sharing, setSharing] = useState(false);
  const [configuring, setConfiguring] = useState(false);
  const [notifying, setNotifying] = useState(false);
  const [ruleSets, setRuleSets] = useState(false);
  const [paused, setPaused] = useState(false);
  const exportSpan = () => {
    const [f, t] = rangeBounds(range);
    return range.kind === "absolute"
      ? { from: new Date(f).toISOString(), to: new Date(t).toISOString() }
      : { from: new Date(f).toISOString() };
  };
  return (
    <>
      <div className="toolbar" role="toolbar" aria-label="Dashboard controls" hidden={view.kiosk}>
        <StatusIndicator store={live.store} />
        <button
          type="button"
          data-testid="pause-toggle"
          aria-pressed={paused}
          onClick={() => {
            if (paused) live.resume();
            else live.pause();
            setPaused(!paused);
          }}
        >
          {paused ? "▶ Resume" : "❚❚ Pause"}
        </button>
        <TimeRange
          value={range}
          onChange={page.setRange}
          refresh={refresh}
          onRefresh={page.setRefresh}
          onBack={page.onBack}
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
          onClick={() => page.setKiosk(true)}
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
        <button
          type="button"
          aria-pressed={ruleSets}
          data-testid="rule-sets-toggle"
          title="Alert rules by series selector"
          onClick={() => setRuleSets(!ruleSets)}
        >
          Rule sets
        </button>
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
      <AccessNotice store={live.store} />
      {sharing && <SharePanel dashboardId={id} onClose={() => setSharing(false)} />}
      {notifying && dashboard && (
        <NotificationsPanel
          dashboardId={id}
          metrics={dashboard.metrics}
          onClose={() => setNotifying(false)}
        />
      )}
      {ruleSets && dashboard && (
        <RuleSetsPanel
          dashboardId={id}
          metrics={dashboard.metrics}
          canEdit={canEdit}
          onClose={() => setRuleSets(false)}
        />
      )}
      <AlertToasts states={live.alertStates} metrics={dashboard?.metrics ?? []} />
      {configuring && dashboard && (
        <DashboardSettings
          dashboard={dashboard}
          onClose={() => setConfiguring(false)}
          onSaved={page.onSaved}
          onDeleted={page.onDeleted}
        />
      )}
    </>
  );
}
