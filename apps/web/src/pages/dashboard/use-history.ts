// Stored history for the chosen range, read over REST and merged into the live store (a live range)
// or replacing it (a custom range, then played back). Each metric is read in as many buckets as its
// widest chart is pixels wide; a chart that changes width, the auto-refresh and a stream gap the
// server could not replay (`reload`) read it again.
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
  // biome-ignore lint/correctness/useExhaustiveDependencies: `reload` (auto-refresh) re-reads the same range
  useEffect(() => {
    if (metricIds.length === 0) return;
    let cancelled = false;
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
      store.liveCharts = false;
      store.setBucketSeconds(0);
      store.clearAll();
      const to = new Date(toMs).toISOString();
      Promise.all(metricIds.map((m) => api.values(m, query(m, { from, to })))).then(
        (answers) =>
          !cancelled &&
          setHistory(new Map(answers.map((a) => [a.metric_id, shownPoints(a.metric_id, a.values)]))),
        (e) => !cancelled && setError(describeError(e)),
      );
    } else {
      setHistory(null);
      const seconds = range.seconds;
      // Live points (and a view kept from an earlier page) stay while the buckets do: the stored
      // history is merged into them. Other buckets, or a custom range before, start afresh.
      const bucket = seconds > RAW_LIVE_SECONDS ? seconds / widest : 0;
      const keep = store.liveCharts && store.liveBucketSeconds === bucket;
      store.liveCharts = true;
      store.setBucketSeconds(bucket);
      if (!keep) store.clearAll();
      for (const m of metricIds) {
        api.values(m, query(m, { from })).then(
          (a) => !cancelled && store.mergeHistory(m, shownPoints(m, a.values)),
          (e) => !cancelled && setError(describeError(e)),
        );
      }
    }
    return () => {
      cancelled = true;
    };
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
