// Points move from one row each (`metric_values`, ~42 bytes a point and aggregated raw on every
// range query) to compressed chunks per series with 1-minute and 1-hour rollup tiers (see
// storage/). Existing values are converted here, nothing lost: each dashboard's points get stream
// offsets in their commit order (row id), and every dashboard a stream with a fresh epoch.
import { sql } from "kysely";
import type { SeriesKind } from "../../storage/rollup.ts";
import { NO_LABELS } from "../../storage/series.ts";
import { chunkRows, newEpoch, RAW_TARGET, sortedRun } from "../../storage/write.ts";
import { withId } from "./columns.ts";
import type { PbMigration } from "./migration.ts";

const PAGE = 50_000;

export const seriesStorage: PbMigration = {
  name: "004_series_storage",
  async up(db, kind) {
    await withId(db.schema.createTable("series"), kind)
      .addColumn("metric_id", "integer", (c) => c.notNull().references("metrics.id").onDelete("cascade"))
      .addColumn("labels", "text", (c) => c.notNull().defaultTo(NO_LABELS))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addUniqueConstraint("series_metric_labels", ["metric_id", "labels"])
      .execute();
    await db.schema
      .createTable("streams")
      .addColumn("dashboard_id", "integer", (c) =>
        c.primaryKey().references("dashboards.id").onDelete("cascade"),
      )
      .addColumn("epoch", "text", (c) => c.notNull())
      .addColumn("head", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await withId(db.schema.createTable("chunks"), kind, true)
      .addColumn("series_id", "integer", (c) => c.notNull().references("series.id").onDelete("cascade"))
      .addColumn("tier", "integer", (c) => c.notNull())
      .addColumn("start_ts", "bigint", (c) => c.notNull())
      .addColumn("end_ts", "bigint", (c) => c.notNull())
      .addColumn("count", "integer", (c) => c.notNull())
      .addColumn("first_offset", "bigint", (c) => c.notNull())
      .addColumn("last_offset", "bigint", (c) => c.notNull())
      .addColumn("sealed", "integer", (c) => c.notNull())
      .addColumn("data", kind === "postgres" ? "bytea" : "blob", (c) => c.notNull())
      .execute();
    // Range reads: a series' chunks of one tier by time. Replays: raw chunks by offset.
    // Retention: a tier's chunks by age.
    await db.schema
      .createIndex("chunks_series_time")
      .on("chunks")
      .columns(["series_id", "tier", "end_ts"])
      .execute();
    await db.schema
      .createIndex("chunks_series_offset")
      .on("chunks")
      .columns(["series_id", "tier", "last_offset"])
      .execute();
    await db.schema.createIndex("chunks_tier_age").on("chunks").columns(["tier", "end_ts"]).execute();

    const dashboards = await db.selectFrom("dashboards").select("id").orderBy("id").execute();
    for (const { id: dashboardId } of dashboards) {
      const metrics = await db
        .selectFrom("metrics")
        .select(["id", "type"])
        .where("dashboard_id", "=", dashboardId)
        .execute();
      const seriesOf = new Map<number, { id: number; kind: SeriesKind }>();
      for (const m of metrics) {
        const s = await db
          .insertInto("series")
          .values({ metric_id: m.id, labels: NO_LABELS, created_at: Date.now() })
          .returning("id")
          .executeTakeFirstOrThrow();
        seriesOf.set(m.id, { id: Number(s.id), kind: m.type });
      }
      const pending = new Map<number, { ts: number[]; values: number[]; offsets: number[] }>();
      let offset = 0;
      const flush = async (metricId: number) => {
        const p = pending.get(metricId);
        const s = seriesOf.get(metricId);
        if (!p || !s || p.ts.length === 0) return;
        const rows = chunkRows(s.id, sortedRun(p.ts, p.values, p.offsets), s.kind);
        for (let i = 0; i < rows.length; i += 100)
          await db
            .insertInto("chunks")
            .values(rows.slice(i, i + 100))
            .execute();
        pending.delete(metricId);
      };
      let after = 0;
      for (;;) {
        const rows = await db
          .selectFrom("metric_values as v")
          .innerJoin("metrics as m", "m.id", "v.metric_id")
          .select(["v.id", "v.metric_id", "v.value", "v.timestamp"])
          .where("m.dashboard_id", "=", dashboardId)
          .where("v.id", ">", after)
          .orderBy("v.id")
          .limit(PAGE)
          .execute();
        for (const r of rows) {
          const metricId = Number(r.metric_id);
          let p = pending.get(metricId);
          if (!p) {
            p = { ts: [], values: [], offsets: [] };
            pending.set(metricId, p);
          }
          p.ts.push(Number(r.timestamp));
          p.values.push(Number(r.value));
          p.offsets.push(++offset);
          if (p.ts.length >= RAW_TARGET * 4) await flush(metricId);
        }
        if (rows.length < PAGE) break;
        after = Number(rows[rows.length - 1]!.id);
      }
      for (const metricId of [...pending.keys()]) await flush(metricId);
      await db
        .insertInto("streams")
        .values({ dashboard_id: dashboardId, epoch: newEpoch(), head: offset })
        .execute();
    }
    await db.schema.dropIndex("metric_values_metric_time").execute();
    await db.schema.dropTable("metric_values").execute();
    if (kind === "sqlite") await sql`PRAGMA optimize`.execute(db);
  },
};
