// Stored history for the chosen range, read over REST and merged into the live store (a live range)
// or replacing it (a custom range, then played back). Each metric is read in as many buckets as its
// widest chart is pixels wide; a chart that changes width, the auto-refresh and a stream gap the
// server could not replay (`reload`) read it again. A metric that joins a live range (a labeled
// series created on first sight) is read alone.
import type { LiveStore } from "@pulseboard/client/live";
import type { Metric, StoredPoint } from "@pulseboard/protocol/rest";
import { type Dispatch, type SetStateAction, useEffect, useMemo, useRef, useState } from "react";
import { describeError } from "../../api/errors.ts";
import { api } from "../../api/http.ts";
import { type RangeChoice, rangeBounds } from "../../charts/range.ts";

/** Buckets asked for a metric no chart has measured yet (a chart asks for its pixel width). */
const FALLBACK_POINTS = 400;
/** Up to this range, live points are kept one by one; beyond, one per bucket of the chart. */
const RAW_LIVE_SECONDS = 900;

/** One read of the history; its answers are merged only while it is not cancelled. */
type Gen = { cancelled: boolean };

type Args = {
  store: LiveStore;
  metrics: Metric[] | undefined;
  range: RangeChoice;
  /** seconds between auto-refreshes (0: off) */
  refresh: number;
  reload: number;
  bumpReload: () => void;
  setError: Dispatch<SetStateAction<string | null>>;
};

/** The loaded points of a custom range (null for a live range, whose history went into the store). */
export function useHistory({ store, metrics, range, refresh, reload, bumpReload, setError }: Args) {
  const [history, setHistory] = useState<Map<number, StoredPoint[]> | null>(null);
  // Keyed by the ids alone: a renamed metric keeps its history.
  const idList = metrics?.map((m) => m.id).join(",") ?? "";
  const metricTypes = useRef(new Map<number, Metric["type"]>());
  /** buckets last asked for, per metric */
  const asked = useRef(new Map<number, number>());
  metricTypes.current = new Map(metrics?.map((m) => [m.id, m.type]) ?? []);
  const metricIds = useMemo(() => (idList ? idList.split(",").map(Number) : []), [idList]);
  /**
   * The live read in progress or done: its range, reload and buckets, the metrics it read, and
   * whether its answers are still wanted. Metrics that merely joined it (a new series, created on
   * first sight) are read alone, not the whole dashboard again.
   */
  const live = useRef<{
    range: RangeChoice;
    reload: number;
    bucket: number;
    ids: Set<number>;
    gen: Gen;
  } | null>(null);
  useEffect(
    () => () => {
      if (live.current) live.current.gen.cancelled = true;
    },
    [],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `reload` (auto-refresh) re-reads the same range
  useEffect(() => {
    if (metricIds.length === 0) return;
    const previous = live.current;
    const gen: Gen = { cancelled: false };
    // The answers of an earlier read are dropped once another range (or re-read) replaces it.
    const cancel = () => {
      gen.cancelled = true;
    };
    // Each metric is read in as many buckets as its widest chart is pixels wide: a year costs what
    // a minute does, and no bucket is narrower than a pixel.
    const points = (m: number) => {
      const n = Math.min(10_000, store.widthFor(m) || FALLBACK_POINTS);
      asked.current.set(m, n);
      return n;
    };
    const [fromMs, toMs] = rangeBounds(range);
    const types = new Map(metricTypes.current);
    // A histogram's percentiles need its observations, not bucket averages: short ranges read them
    // raw (a server-side quantile query would serve long ones exactly; until then they are
    // percentiles of bucket averages).
    const query = (m: number, span: { from: string; to?: string }) =>
      types.get(m) === "histogram" && toMs - fromMs <= RAW_LIVE_SECONDS * 1000
        ? { ...span, limit: 10_000 }
        : { ...span, points: points(m) };
    // A counter's bucket is drawn at its start with its smallest total (the total at that time), so
    // the totals stay monotonic next to raw live points and no false reset appears.
    const shownPoints = (m: number, values: StoredPoint[]) =>
      types.get(m) === "counter" ? values.map((v) => ({ ...v, value: v.min ?? v.value })) : values;
    const from = new Date(fromMs).toISOString();
    const widest = Math.max(...metricIds.map(points));
    store.historyBucketSeconds = (toMs - fromMs) / 1000 / widest;
    if (range.kind === "absolute") {
      if (previous) previous.gen.cancelled = true;
      live.current = null;
      store.liveCharts = false;
      store.setBucketSeconds(0);
      store.clearAll();
      const to = new Date(toMs).toISOString();
      Promise.all(metricIds.map((m) => api.values(m, query(m, { from, to })))).then(
        (answers) =>
          !gen.cancelled &&
          setHistory(new Map(answers.map((a) => [a.metric_id, shownPoints(a.metric_id, a.values)]))),
        (e) => !gen.cancelled && setError(describeError(e)),
      );
      return cancel;
    }
    setHistory(null);
    const seconds = range.seconds;
    // Live points (and a view kept from an earlier page) stay while the buckets do: the stored
    // history is merged into them. Other buckets, or a custom range before, start afresh.
    const bucket = seconds > RAW_LIVE_SECONDS ? seconds / widest : 0;
    const keep = store.liveCharts && store.liveBucketSeconds === bucket;
    if (
      keep &&
      previous &&
      !previous.gen.cancelled &&
      previous.range === range &&
      previous.reload === reload &&
      previous.bucket === bucket
    ) {
      // Only new metrics: the earlier read goes on for the others.
      for (const m of metricIds) {
        if (previous.ids.has(m)) continue;
        previous.ids.add(m);
        readInto(m, previous.gen);
      }
      return;
    }
    if (previous) previous.gen.cancelled = true;
    live.current = { range, reload, bucket, ids: new Set(metricIds), gen };
    store.liveCharts = true;
    store.setBucketSeconds(bucket);
    if (!keep) store.clearAll();
    for (const m of metricIds) readInto(m, gen);
    function readInto(m: number, g: Gen) {
      api.values(m, query(m, { from })).then(
        (a) => !g.cancelled && store.mergeHistory(m, shownPoints(m, a.values)),
        (e) => !g.cancelled && setError(describeError(e)),
      );
    }
  }, [range, metricIds, store, reload]);

  // A chart that changed width (layout settled, window resized, panel alone) asks again, so its
  // buckets stay one per pixel.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = store.onWidthChange(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const [m, n] of asked.current) {
          const w = store.widthFor(m);
          if (w > 0 && w !== n && asked.current.get(m) === n) {
            bumpReload();
            return;
          }
        }
      }, 250);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [store, bumpReload]);

  // Auto-refresh: the range's history is read again (live points keep streaming meanwhile).
  useEffect(() => {
    if (refresh <= 0) return;
    const timer = setInterval(bumpReload, refresh * 1000);
    return () => clearInterval(timer);
  }, [refresh, bumpReload]);

  return history;
}
