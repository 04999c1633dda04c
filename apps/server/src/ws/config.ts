// Owns the `dashboard_config` payload: what a dashboard and its metrics look like on the wire,
// sent on connect and again to every member whenever the dashboard or its metrics change, so
// open dashboards pick up new, renamed and deleted metrics without a reconnect.
import type { AppContext } from "../context.ts";
import { findDashboard, listMetrics, metricJson } from "../dashboards/store.ts";
import type { Dashboard, Db, Metric } from "../db/schema.ts";
import { dashboardContract } from "./dashboard-contract.ts";
import { dashboardGroup } from "./fanout.ts";

export function configPayload(dashboard: Dashboard, metrics: Metric[]) {
  return {
    id: dashboard.id,
    name: dashboard.name,
    description: dashboard.description,
    metrics: metrics.map((m) => {
      const { dashboard_id: _, ...info } = metricJson(m);
      return info;
    }),
  };
}

async function loadConfig(db: Db, dashboardId: number) {
  const dashboard = await findDashboard(db, dashboardId);
  return dashboard ? configPayload(dashboard, await listMetrics(db, dashboardId)) : undefined;
}

/** After a committed change: the new config to every member connected to the dashboard. */
export async function announceConfig(
  ctx: Pick<AppContext, "db" | "channels" | "log">,
  dashboardId: number,
): Promise<void> {
  try {
    const config = await loadConfig(ctx.db, dashboardId);
    if (config)
      await ctx.channels.groupSend(
        dashboardContract,
        dashboardGroup(dashboardId),
        "dashboard_config",
        config,
      );
  } catch (err) {
    // The change is stored either way; a client sees it on its next connect.
    ctx.log.warn({ err, dashboardId }, "announcing the new dashboard config failed");
  }
}
