// Owns creating series on first sight: a series is the metric named by its series key
// `family{labels}` (@pulseboard/protocol/series). Receivers and labeled JSON ingest create the
// series they meet, all of a request or none, under the dashboard's cardinality limit, and give
// them the alert rules of the selector sets that match them.
import { rulesForNewSeries } from "../alerts/selector-rules.ts";
import type { AppContext } from "../context.ts";
import { inChunks } from "../db/in-chunks.ts";
import type { Db, Metric, MetricType } from "../db/schema.ts";
import { ValidationError } from "../http/errors.ts";

/** What a series is created with. */
export type NewSeries = { type: MetricType; unit?: string | undefined; description?: string | undefined };

/** The dashboard's metrics of these names (series keys), by name. */
export async function existingSeries(
  db: Db,
  dashboardId: number,
  names: string[],
): Promise<Map<string, Metric>> {
  const rows = await inChunks(names, (part) =>
    db
      .selectFrom("metrics")
      .selectAll()
      .where("dashboard_id", "=", dashboardId)
      .where("name", "in", part)
      .execute(),
  );
  return new Map(rows.map((m) => [m.name, m]));
}

/**
 * One metric of each family (the unlabeled metric, else any of its series), whose type, unit and
 * description a new series of the family takes. Series keys of `f` sort between `f{` and `f|`.
 */
export async function familyTemplates(
  db: Db,
  dashboardId: number,
  families: string[],
): Promise<Map<string, Metric>> {
  const out = new Map<string, Metric>();
  for (const family of families) {
    const row = await db
      .selectFrom("metrics")
      .selectAll()
      .where("dashboard_id", "=", dashboardId)
      .where((eb) =>
        eb.or([
          eb("name", "=", family),
          eb.and([eb("name", ">", `${family}{`), eb("name", "<", `${family}|`)]),
        ]),
      )
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
    if (row) out.set(family, row);
  }
  return out;
}

/**
 * Creates the series seen for the first time, refusing the whole request with a 400 when they
 * would take the dashboard past its cardinality limit. Concurrent senders may create the same
 * series at once: the unique index decides, the loser re-reads. Adds them to `found`.
 */
export async function createSeries(
  ctx: Pick<AppContext, "db" | "config">,
  dashboardId: number,
  missing: Map<string, NewSeries>,
  found: Map<string, Metric>,
): Promise<void> {
  const limit = ctx.config.maxSeriesPerDashboard;
  const row = await ctx.db
    .selectFrom("metrics")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("dashboard_id", "=", dashboardId)
    .executeTakeFirst();
  const existing = Number(row?.n ?? 0);
  if (existing + missing.size > limit)
    throw new ValidationError(
      [
        {
          type: "too_many_series",
          loc: ["dashboard"],
          msg: `this request would create ${missing.size} new series on a dashboard that has ${existing}; the limit is ${limit} (PULSEBOARD_MAX_SERIES_PER_DASHBOARD)`,
        },
      ],
      "Series limit of the dashboard reached; nothing was stored",
    );
  const now = Date.now();
  const rows = [...missing].map(([name, s]) => ({
    dashboard_id: dashboardId,
    name,
    description: (s.description ?? "").slice(0, 2000),
    type: s.type,
    unit: (s.unit ?? "").slice(0, 50),
    created_at: now,
  }));
  await ctx.db.transaction().execute(async (trx) => {
    await inChunks(rows, (part) =>
      trx
        .insertInto("metrics")
        .values(part)
        .onConflict((oc) => oc.columns(["dashboard_id", "name"]).doNothing())
        .execute(),
    );
  });
  const created = await existingSeries(ctx.db, dashboardId, [...missing.keys()]);
  for (const [name, m] of created) found.set(name, m);
  await rulesForNewSeries(ctx.db, dashboardId, [...created.values()]);
}
