// Owns dashboard export as CSV or JSON, streamed in chunks so large histories never sit in
// memory whole. CSV cells are escaped (RFC 4180) and text cells that a spreadsheet would run
// as a formula (= + - @, tab, CR) are neutralised with a leading apostrophe.
import { Readable } from "node:stream";
import type { Dashboard, Db, Metric } from "./db/schema.ts";
import { dashboardJson, metricJson } from "./model/dashboards.ts";

export type ExportRange = { from?: number | undefined; to?: number | undefined };

const PAGE = 5000;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV text cell: formula guard, then quoting when it holds a quote, comma or line break. */
export function csvText(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** Values of one metric in time order, page by page (keyset on (timestamp, id)). */
async function* pages(db: Db, metricId: number, range: ExportRange) {
  let after: { timestamp: number; id: number } | undefined;
  for (;;) {
    let q = db
      .selectFrom("metric_values")
      .select(["id", "value", "timestamp"])
      .where("metric_id", "=", metricId);
    if (range.from !== undefined) q = q.where("timestamp", ">=", range.from);
    if (range.to !== undefined) q = q.where("timestamp", "<=", range.to);
    if (after) {
      const a = after;
      q = q.where((eb) =>
        eb.or([
          eb("timestamp", ">", a.timestamp),
          eb.and([eb("timestamp", "=", a.timestamp), eb("id", ">", a.id)]),
        ]),
      );
    }
    const rows = await q.orderBy("timestamp").orderBy("id").limit(PAGE).execute();
    if (rows.length === 0) return;
    yield rows;
    const last = rows[rows.length - 1]!;
    after = { timestamp: last.timestamp, id: last.id };
    if (rows.length < PAGE) return;
  }
}

export function exportCsv(db: Db, metrics: Metric[], range: ExportRange): Readable {
  async function* lines() {
    yield "metric_id,metric_name,unit,timestamp,value\r\n";
    for (const m of metrics) {
      const prefix = `${m.id},${csvText(m.name)},${csvText(m.unit)},`;
      for await (const rows of pages(db, m.id, range)) {
        yield rows.map((r) => `${prefix}${new Date(r.timestamp).toISOString()},${r.value}\r\n`).join("");
      }
    }
  }
  return Readable.from(lines());
}

export function exportJson(db: Db, dashboard: Dashboard, metrics: Metric[], range: ExportRange): Readable {
  async function* parts() {
    yield `{"dashboard":${JSON.stringify(dashboardJson(dashboard))},"metrics":[`;
    for (const [i, m] of metrics.entries()) {
      yield `${i ? "," : ""}${JSON.stringify(metricJson(m)).slice(0, -1)},"values":[`;
      let first = true;
      for await (const rows of pages(db, m.id, range)) {
        const chunk = rows.map((r) =>
          JSON.stringify({ value: r.value, timestamp: new Date(r.timestamp).toISOString() }),
        );
        yield (first ? "" : ",") + chunk.join(",");
        first = false;
      }
      yield "]}";
    }
    yield "]}";
  }
  return Readable.from(parts());
}
