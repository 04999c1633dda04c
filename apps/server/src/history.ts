// Owns reading stored values: the last N of a metric (for `metric_history`), range queries,
// points newer than a moment (for `resume`), and downsampling long ranges into time buckets
// (avg/min/max/count) computed in SQL so a year of points never crosses the wire.
import { sql } from "kysely";
import type { Db } from "./db/schema.ts";

export type Value = { value: number; timestamp: string };
export type Bucket = Value & { min: number; max: number; count: number };

const iso = (ms: number) => new Date(ms).toISOString();

/** The newest `limit` points, newest last (the history sent on connect and on subscribe). */
export function recentValues(db: Db, metricId: number, limit = 100): Promise<Value[]> {
  return rangeValues(db, metricId, {}, limit);
}

export type Range = { from?: number | undefined; to?: number | undefined };

/**
 * Points in [from, to], oldest first. With `from` the first `limit` after it (pageable);
 * without, the newest `limit` (what a chart wants).
 */
export async function rangeValues(db: Db, metricId: number, range: Range, limit: number): Promise<Value[]> {
  let q = db.selectFrom("metric_values").select(["value", "timestamp"]).where("metric_id", "=", metricId);
  if (range.from !== undefined) q = q.where("timestamp", ">=", range.from);
  if (range.to !== undefined) q = q.where("timestamp", "<=", range.to);
  const ascending = range.from !== undefined;
  const rows = await q
    .orderBy("timestamp", ascending ? "asc" : "desc")
    .orderBy("id", ascending ? "asc" : "desc")
    .limit(limit)
    .execute();
  if (!ascending) rows.reverse();
  return rows.map((r) => ({ value: r.value, timestamp: iso(r.timestamp) }));
}

/** Points strictly newer than `since`, oldest first (replay after a reconnect or a pause). */
export async function valuesSince(db: Db, metricId: number, since: number, limit = 10_000) {
  const rows = await db
    .selectFrom("metric_values")
    .select(["value", "timestamp"])
    .where("metric_id", "=", metricId)
    .where("timestamp", ">", since)
    .orderBy("timestamp", "asc")
    .orderBy("id", "asc")
    .limit(limit)
    .execute();
  return rows;
}

/**
 * At most `points` buckets of equal width over [from, to] (bounds default to the data's own),
 * each with the average as `value`, the bucket start as `timestamp`, and min/max/count.
 * Ranges with no more raw points than buckets are returned raw (count 1).
 */
export async function downsample(db: Db, metricId: number, range: Range, points: number): Promise<Bucket[]> {
  let bounds = db
    .selectFrom("metric_values")
    .select((eb) => [
      eb.fn.min("timestamp").as("first"),
      eb.fn.max("timestamp").as("last"),
      sql<number>`cast(count(*) as integer)`.as("n"),
    ])
    .where("metric_id", "=", metricId);
  if (range.from !== undefined) bounds = bounds.where("timestamp", ">=", range.from);
  if (range.to !== undefined) bounds = bounds.where("timestamp", "<=", range.to);
  const b = await bounds.executeTakeFirst();
  if (!b || b.n === 0 || b.first === null || b.last === null) return [];
  const from = range.from ?? Number(b.first);
  const to = range.to ?? Number(b.last);
  if (b.n <= points) {
    const raw = await rangeValues(db, metricId, { from, to }, points);
    return raw.map((v) => ({ ...v, min: v.value, max: v.value, count: 1 }));
  }
  const width = Math.max(1, Math.ceil((to - from) / points));
  const bucket = sql<number>`cast((${sql.ref("timestamp")} - ${from}) / ${width} as integer)`;
  const rows = await db
    .selectFrom("metric_values")
    .select([
      bucket.as("bucket"),
      sql<number>`avg(${sql.ref("value")})`.as("avg"),
      sql<number>`min(${sql.ref("value")})`.as("min"),
      sql<number>`max(${sql.ref("value")})`.as("max"),
      sql<number>`cast(count(*) as integer)`.as("count"),
    ])
    .where("metric_id", "=", metricId)
    .where("timestamp", ">=", from)
    .where("timestamp", "<=", to)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  const buckets = rows.map((r) => ({
    bucket: Number(r.bucket),
    sum: Number(r.avg) * Number(r.count),
    min: Number(r.min),
    max: Number(r.max),
    count: Number(r.count),
  }));
  // Only a point exactly at `to` can land one bucket past the last: fold it into the last.
  const over = buckets[buckets.length - 1];
  const last = buckets[buckets.length - 2];
  if (over && over.bucket >= points) {
    if (last && last.bucket === points - 1) {
      buckets.pop();
      last.sum += over.sum;
      last.min = Math.min(last.min, over.min);
      last.max = Math.max(last.max, over.max);
      last.count += over.count;
    } else over.bucket = points - 1;
  }
  return buckets.map((b) => ({
    value: b.sum / b.count,
    timestamp: iso(from + b.bucket * width),
    min: b.min,
    max: b.max,
    count: b.count,
  }));
}
