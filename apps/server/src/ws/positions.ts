// Owns positions in a dashboard's stream as the WebSocket side uses them: the stream's epoch and
// head (what `dashboard_config`, `metric_history` and `resumed` carry), the points committed after
// an offset (replays, and holes the ordered layer fills), and the OrderedStreams that keep live
// `metric_update`s in offset order on every node (packages/channels/src/layers/ordered.ts).
import { type LayerMessage, type OrderedStreams, PreparedFrame } from "@pulseboard/channels";
import type { AppContext } from "../context.ts";
import { listMetrics } from "../dashboards/store.ts";
import type { Db, Metric } from "../db/schema.ts";
import { metricUpdatePayload } from "../ingest/ingest.ts";
import { NO_LABELS } from "../storage/series.ts";
import type { AfterResult } from "../storage/tasks.ts";
import { newEpoch } from "../storage/write.ts";
import { coalesceFresh } from "./coalesce.ts";

export type Position = {
  epoch: string;
  /** Offset of the last committed point (0: none yet). */
  head: number;
  /** Largest offset retention deleted: positions before it cannot be replayed exactly. */
  trimmed: number;
};

const positionReads = new WeakMap<Db, (dashboardId: number) => Promise<Position>>();

/**
 * The stream's epoch, head and trimmed offset, read after the call (never an older answer):
 * concurrent calls for one dashboard share a read (coalesce.ts).
 */
export function streamPosition(db: Db, dashboardId: number): Promise<Position> {
  let read = positionReads.get(db);
  if (!read) {
    read = coalesceFresh((id: number) => readStreamPosition(db, id));
    positionReads.set(db, read);
  }
  return read(dashboardId);
}

/** The stream's position now, creating the stream (head 0, fresh epoch) if it has none yet. */
async function readStreamPosition(db: Db, dashboardId: number): Promise<Position> {
  const read = () =>
    db
      .selectFrom("streams")
      .select(["epoch", "head", "trimmed"])
      .where("dashboard_id", "=", dashboardId)
      .executeTakeFirst();
  let row = await read();
  if (!row) {
    await db
      .insertInto("streams")
      .values({ dashboard_id: dashboardId, epoch: newEpoch(), head: 0 })
      .onConflict((oc) => oc.column("dashboard_id").doNothing())
      .execute();
    row = await read();
  }
  if (!row) throw new Error(`no stream for dashboard ${dashboardId}`);
  return { epoch: row.epoch, head: Number(row.head), trimmed: Number(row.trimmed) };
}

export type Replayed = { payloads: ReturnType<typeof metricUpdatePayload>[]; more: boolean };

const afterReads = new WeakMap<AppContext["storage"], (key: string) => Promise<AfterResult>>();

/**
 * One read-pool `after` query, shared by the callers that ask for the same series from the same
 * offset at once (a node taking over a dashboard's clients replays them all from one position),
 * none of them answered from a read that began before its call (coalesce.ts).
 */
function readAfter(
  storage: AppContext["storage"],
  seriesIds: number[],
  after: number,
  limit: number,
): Promise<AfterResult> {
  let read = afterReads.get(storage);
  if (!read) {
    read = coalesceFresh((key: string) => {
      const [ids, from, most] = JSON.parse(key) as [number[], number, number];
      return storage.reader.run<AfterResult>(
        { op: "after", seriesIds: ids, after: from, limit: most },
        "waits",
      );
    });
    afterReads.set(storage, read);
  }
  return read(JSON.stringify([[...seriesIds].sort((a, b) => a - b), after, limit]));
}

/** The points of `metrics` committed after `after`, in offset order, at most `limit` (read pool). */
export async function pointsAfter(
  ctx: Pick<AppContext, "storage">,
  metrics: Metric[],
  after: number,
  limit: number,
): Promise<Replayed> {
  if (metrics.length === 0 || limit <= 0) return { payloads: [], more: false };
  const { series } = ctx.storage;
  const ids = await series.idsFor(metrics.map((m) => ({ metricId: m.id, labels: NO_LABELS })));
  const bySeries = new Map<number, Metric>();
  for (const m of metrics) bySeries.set(ids.get(series.keyOf(m.id, NO_LABELS))!, m);
  const r = await readAfter(ctx.storage, [...bySeries.keys()], after, limit);
  const payloads: Replayed["payloads"] = [];
  for (let i = 0; i < r.n; i++) {
    const metric = bySeries.get(r.series[i]!);
    if (metric)
      payloads.push(
        metricUpdatePayload({ metric, value: r.values[i]!, timestamp: r.ts[i]!, offset: r.offsets[i]! }),
      );
  }
  return { payloads, more: r.more };
}

const DASHBOARD_GROUP = /^dashboard\.([1-9][0-9]*)$/;

/** Live points of dashboard groups in offset order on this node, holes filled from storage. */
export function dashboardStreams(ctx: Pick<AppContext, "db" | "storage" | "log">): OrderedStreams {
  const dashboardOf = (group: string) => {
    const m = DASHBOARD_GROUP.exec(group);
    return m ? Number(m[1]) : null;
  };
  return {
    offsetOf(group, message) {
      if (message.frame.action !== "metric_update" || dashboardOf(group) === null) return null;
      const offset = (message.frame.payload as { offset?: unknown } | null)?.offset;
      return typeof offset === "number" ? offset : null;
    },
    async head(group) {
      const id = dashboardOf(group);
      if (id === null) return null;
      const row = await ctx.db
        .selectFrom("streams")
        .select("head")
        .where("dashboard_id", "=", id)
        .executeTakeFirst();
      return row ? Number(row.head) : 0;
    },
    async fill(group, after, upTo): Promise<LayerMessage[]> {
      const id = dashboardOf(group);
      if (id === null || upTo <= after) return [];
      const metrics = await listMetrics(ctx.db, id);
      const { payloads } = await pointsAfter(ctx, metrics, after, Math.min(upTo - after, 100_000));
      return payloads
        .filter((p) => p.offset! <= upTo)
        .map((p) => ({ kind: "event", frame: PreparedFrame.of("metric_update", p), exclude: null }));
    },
    onError(err, group) {
      ctx.log.warn({ err, group }, "filling a hole in a live stream failed");
    },
  };
}
