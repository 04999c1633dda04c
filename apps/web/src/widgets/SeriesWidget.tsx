// A metric panel over many series (`widget.series`, a selector): one line per matching series, or
// per group of `group_by` label values combined by `aggregate`, up to MAX_LINES; series created
// later (a new host) join as the dashboard's config announces them, deleted ones leave. Under the
// chart a legend names each line by the labels that tell it apart, with its colour (hashed from
// its key) and newest value; a click hides or shows the line. The legend is in name order, or
// (`legend_sort: "value"`) in order of newest value, largest first, re-ordered when a drawn frame
// changes the ranking. Points come from the live store, as for a single metric; the page reads
// each series' history like any metric's.

import type { LiveStore } from "@pulseboard/client/live";
import type { Widget } from "@pulseboard/protocol/rest";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type uPlot from "uplot";
import { joinSeries } from "../charts/join.ts";
import {
  aggregateAligned,
  alignmentStep,
  type Line,
  lineNames,
  seriesLines,
} from "../charts/series-lines.ts";
import { type Derive, TimeChart } from "../charts/TimeChart.tsx";
import { counterRate } from "../charts/transform.ts";
import { formatValue } from "../charts/units.ts";
import { useDashboardView, useLive } from "../pages/dashboard/context.ts";
import { chartView, describeWindow } from "./MetricWidget.tsx";
import type { WidgetProps } from "./types.ts";

const NO_LABELS: readonly string[] = [];

export function SeriesWidget({ widget }: WidgetProps) {
  const { store } = useLive();
  const { metrics, window, theme, view } = useDashboardView();
  const selector = widget.series ?? "";
  const groupBy = widget.group_by ?? NO_LABELS;
  const aggregate = widget.aggregate ?? "avg";
  const candidates = useMemo(() => {
    const all = seriesLines(selector, groupBy, metrics);
    return all.ok ? all.candidates : [];
  }, [selector, groupBy, metrics]);
  const withData = useWithData(store, candidates);
  const set = useMemo(
    () => seriesLines(selector, groupBy, metrics, (id) => withData.has(id)),
    [selector, groupBy, metrics, withData],
  );
  const [hiddenKeys, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const byValue = widget.legend_sort === "value";
  // Line keys by newest value, as last drawn (only a changed ranking re-renders the legend).
  const [ranked, setRanked] = useState<readonly string[]>([]);
  const rankedRef = useRef("");
  const legendRef = useRef<HTMLUListElement>(null);
  const frameRef = useRef<HTMLDivElement>(null);

  const lines = set.ok ? set.lines : [];
  const grouped = groupBy.length > 0;
  const rate = set.ok && set.type === "counter" && widget.counter !== "total";
  const unit = set.ok ? set.unit : "";
  const shownUnit = rate ? `${unit}/s` : unit;
  const ids = lines.flatMap((l) => l.ids);
  const names = useMemo(() => lineNames(lines), [lines]);
  const { derive, latest } = useMemo(
    () => lineDerive(lines, grouped, aggregate, rate, store),
    [lines, grouped, aggregate, rate, store],
  );

  // Once per drawn frame: each legend entry's newest value, and what the plot really shows (the
  // specs read these attributes; nothing here goes through React).
  const onDrawn = useCallback(
    (u: uPlot) => {
      const frame = frameRef.current;
      if (frame) {
        const n = String(u.series.length - 1);
        if (frame.dataset.lines !== n) frame.dataset.lines = n;
      }
      const entries = legendRef.current?.querySelectorAll<HTMLElement>("[data-key]") ?? [];
      entries.forEach((entry) => {
        const i = Number(entry.dataset.line);
        const v = latest[i];
        const text = formatValue(v, shownUnit);
        const cell = entry.querySelector<HTMLElement>("[data-value]");
        if (cell && cell.textContent !== text) cell.textContent = text;
        const raw = v === undefined ? "" : String(v);
        if (entry.dataset.latest !== raw) entry.dataset.latest = raw;
        const drawn = u.series[i + 1]?.show === false ? "hidden" : "shown";
        if (entry.dataset.drawn !== drawn) entry.dataset.drawn = drawn;
      });
      if (byValue) {
        const keys = rankByValue(lines, latest);
        const text = keys.join("\u0000");
        if (text !== rankedRef.current) {
          rankedRef.current = text;
          setRanked(keys);
        }
      }
    },
    [shownUnit, latest, lines, byValue],
  );
  const legendOrder = useMemo(() => legendIndices(lines, byValue ? ranked : []), [lines, byValue, ranked]);

  if (!set.ok)
    return (
      <p className="muted" role="alert" data-testid="series-error">
        The selector <code>{selector}</code> is not valid: {set.error}
      </p>
    );
  if (lines.length === 0 && candidates.length > 0)
    return (
      <p className="empty-hint muted" data-testid="series-empty">
        No data in this range for the {candidates.length} series of <code>{selector}</code>.
      </p>
    );
  if (lines.length === 0)
    return (
      <p className="empty-hint muted" data-testid="series-empty">
        No series match <code>{selector}</code> yet. Labeled points create them:{" "}
        <code>
          POST /api/v1/ingest {"{"}"points":[{"{"}"dashboard_id":…,"metric":"{set.family}","labels":{"{"}
          "host":"web-1"{"}"},"value":1{"}"}]{"}"}
        </code>
      </p>
    );

  const toggle = (key: string) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const what = grouped ? "groups" : "series";
  const label = `${widget.title || selector} ${describeWindow(window)}`;
  const kind = widget.chart === "bars" || widget.chart === "area" ? widget.chart : "line";
  return (
    <div className="metric series-panel" ref={frameRef} data-testid={`series-panel-${widget.id}`}>
      <div className="metric-head series-head">
        <span className="badge" data-testid="series-count">
          {grouped
            ? `${aggregate} of ${set.totalSeries} series by ${groupBy.join(", ")}`
            : `${set.totalSeries} series`}
        </span>
        {rate && <span className="badge type-counter">rate</span>}
        {set.totalLines > lines.length && (
          <span className="badge warn" data-testid="series-capped">
            showing {lines.length} of {set.totalLines} {what}
          </span>
        )}
      </div>
      <TimeChart
        store={store}
        metricIds={ids}
        labels={names}
        colors={lines.map((l) => l.slot)}
        hidden={lines.map((l) => hiddenKeys.has(l.key))}
        legend={false}
        kind={kind}
        unit={shownUnit}
        window={window}
        theme={theme}
        ariaLabel={label}
        derive={derive}
        onDrawn={onDrawn}
        {...chartView(view)}
      />
      <ul
        className="series-legend"
        ref={legendRef}
        aria-label={`Lines of ${widget.title || selector}${byValue ? ", largest value first" : ""}`}
        data-sort={byValue ? "value" : "name"}
      >
        {legendOrder.map((i) => {
          const line = lines[i] as Line;
          const hidden = hiddenKeys.has(line.key);
          return (
            <li key={line.key} data-key={line.key} data-line={i} data-color={line.slot} data-drawn="shown">
              <button
                type="button"
                className={hidden ? "legend-entry off" : "legend-entry"}
                aria-pressed={!hidden}
                title={`${line.key}${grouped ? ` (${line.ids.length} series)` : ""} — click to ${hidden ? "show" : "hide"}`}
                onClick={() => toggle(line.key)}
              >
                <span
                  className="swatch"
                  aria-hidden="true"
                  style={{ background: `var(--series-${line.slot + 1})` }}
                />
                <span className="legend-name">{names[i]}</span>
                <b data-value="">–</b>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/**
 * Which of these series have points in the store; a new state only when that changes (a series'
 * first point, a range read afresh), checked in the frame its points arrive.
 */
function useWithData(store: LiveStore, ids: number[]): ReadonlySet<number> {
  const key = ids.join(",");
  const [has, setHas] = useState<ReadonlySet<number>>(() => withPoints(store, ids));
  useEffect(() => {
    const members = key ? key.split(",").map(Number) : [];
    let shown = "";
    const check = () => {
      const next = withPoints(store, members);
      const text = [...next].join(",");
      if (text === shown) return;
      shown = text;
      setHas(next);
    };
    const offs = members.map((id) => {
      const s = store.seriesFor(id);
      s.listeners.add(check);
      return () => s.listeners.delete(check);
    });
    check();
    return () => {
      for (const off of offs) off();
    };
  }, [store, key]);
  return has;
}

/** Line keys by newest value, largest first; lines without one last; ties in name order. */
function rankByValue(lines: readonly Line[], latest: readonly (number | undefined)[]): string[] {
  return lines
    .map((line, i) => ({ key: line.key, i, v: latest[i] }))
    .sort((a, b) =>
      a.v === undefined || b.v === undefined
        ? (a.v === undefined ? 1 : 0) - (b.v === undefined ? 1 : 0) || a.i - b.i
        : b.v - a.v || a.i - b.i,
    )
    .map((e) => e.key);
}

/**
 * The legend's line indices: in `ranked` order (keys as last ranked), then any line not ranked yet
 * (it just joined) in name order; without a ranking, name order.
 */
function legendIndices(lines: readonly Line[], ranked: readonly string[]): number[] {
  const at = new Map(ranked.map((key, pos) => [key, pos]));
  return lines
    .map((_, i) => i)
    .sort(
      (a, b) => (at.get(lines[a]!.key) ?? ranked.length + a) - (at.get(lines[b]!.key) ?? ranked.length + b),
    );
}

function withPoints(store: LiveStore, ids: readonly number[]): Set<number> {
  return new Set(ids.filter((id) => store.seriesFor(id).ring.length > 0));
}

function lastValue(ys: ArrayLike<number | null | undefined> | undefined): number | undefined {
  if (!ys) return undefined;
  for (let i = ys.length - 1; i >= 0; i--) {
    const v = ys[i];
    if (v != null) return v;
  }
  return undefined;
}

/** Up to this many series a panel draws their points as they are; more are drawn per pixel. */
const EXACT_LINES = 8;

/**
 * What the chart draws from the members' points, and each line's newest value (the legend's):
 * - a few series as they are, joined on one x axis (the tooltip reads their exact points);
 * - more series per pixel-wide bucket (each line its own mean there, series-lines.ts): uPlot's
 *   aligned data holds one slot per series per distinct timestamp, and fifty independently sampled
 *   series joined raw cost tens of ms a frame, for points no screen can tell apart;
 * - groups as their aggregate at aligned timestamps (series-lines.ts says which alignment and why).
 * Counters become rates per series first: a sum of rates is the group's rate, a rate of a sum of
 * totals is wrong at every reset. A series' newest value is its last point (or rate), exactly.
 */
function lineDerive(
  lines: Line[],
  grouped: boolean,
  aggregate: NonNullable<Widget["aggregate"]>,
  rate: boolean,
  store: { bucketWidth(): number },
): { derive: Derive; latest: (number | undefined)[] } {
  const groups: number[][] = [];
  let at = 0;
  for (const l of lines) groups.push(l.ids.map(() => at++));
  const latest: (number | undefined)[] = lines.map(() => undefined);
  const derive: Derive = (views, [from, to], width) => {
    const shown = rate
      ? views.map(([xs, ys]) => {
          const bx = new Float64Array(xs.length);
          const by = new Float64Array(xs.length);
          const n = counterRate(xs, ys, bx, by);
          return [bx.subarray(0, n), by.subarray(0, n)] as [Float64Array, Float64Array];
        })
      : views;
    const pixel = Math.max(store.bucketWidth(), (to - from) / Math.max(1, width));
    if (!grouped) {
      shown.forEach(([, ys], i) => {
        latest[i] = ys.length > 0 ? (ys[ys.length - 1] as number) : undefined;
      });
      if (shown.length <= EXACT_LINES) return joinSeries(shown);
      return aggregateAligned(shown, groups, pixel, "avg", false);
    }
    const data = aggregateAligned(shown, groups, alignmentStep(shown, pixel), aggregate);
    for (let i = 0; i < lines.length; i++) latest[i] = lastValue(data[i + 1]);
    return data;
  };
  return { derive, latest };
}
