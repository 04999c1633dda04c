// Owns the stored widget grid of each dashboard (one JSON row per dashboard in `layouts`): read,
// replaced whole, and a deleted metric's widgets dropped from it.
import type { Layout } from "@pulseboard/protocol/rest";
import type { Db } from "../db/schema.ts";

type Widget = Layout["widgets"][number];

/** The dashboard's widgets ([] before its first save). Stored only after passing `layout`. */
export async function storedWidgets(db: Db, dashboardId: number): Promise<Widget[]> {
  const row = await db
    .selectFrom("layouts")
    .select("widgets")
    .where("dashboard_id", "=", dashboardId)
    .executeTakeFirst();
  return row ? (JSON.parse(row.widgets) as Widget[]) : [];
}

export async function saveWidgets(db: Db, dashboardId: number, widgets: Widget[]): Promise<void> {
  const json = JSON.stringify(widgets);
  await db
    .insertInto("layouts")
    .values({ dashboard_id: dashboardId, widgets: json, updated_at: Date.now() })
    .onConflict((oc) => oc.column("dashboard_id").doUpdateSet({ widgets: json, updated_at: Date.now() }))
    .execute();
}

/** A deleted metric's widgets leave the stored layout with it (else the next save is refused). */
export async function dropMetricWidgets(db: Db, dashboardId: number, metricId: number): Promise<void> {
  const widgets = await storedWidgets(db, dashboardId);
  const kept = widgets.filter((w) => w.metric_id !== metricId);
  if (kept.length !== widgets.length) await saveWidgets(db, dashboardId, kept);
}
