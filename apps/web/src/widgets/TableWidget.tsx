// The latest value of every metric of the dashboard in one table, sortable by any column
// (click or Enter/Space on a header). Values refresh at most a few times a second.
import { useEffect, useState } from "react";
import { formatValue } from "../charts/units.ts";
import { useDashboardView, useLive } from "../pages/dashboard/context.ts";
import type { WidgetProps } from "./types.ts";

type Column = "name" | "value" | "time";
const REFRESH_MS = 500;

export function TableWidget(_: WidgetProps) {
  const { store } = useLive();
  const { metrics } = useDashboardView();
  const [sort, setSort] = useState<{ by: Column; desc: boolean }>({ by: "name", desc: false });
  const [, setTick] = useState(0);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = store.onFrame(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setTick((n) => n + 1);
      }, REFRESH_MS);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [store]);
  const rows = metrics.map((m) => {
    const ring = store.seriesFor(m.id).ring;
    return { metric: m, value: ring.lastY(), time: ring.lastX() };
  });
  const key = (r: (typeof rows)[number]) =>
    sort.by === "name"
      ? r.metric.name
      : sort.by === "value"
        ? (r.value ?? Number.NEGATIVE_INFINITY)
        : (r.time ?? 0);
  rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = typeof ka === "string" ? ka.localeCompare(kb as string) : (ka as number) - (kb as number);
    return sort.desc ? -c : c;
  });
  const header = (by: Column, text: string) => (
    <th aria-sort={sort.by === by ? (sort.desc ? "descending" : "ascending") : "none"} scope="col">
      <button
        type="button"
        className="ghost th-sort"
        onClick={() => setSort({ by, desc: sort.by === by ? !sort.desc : false })}
      >
        {text} {sort.by === by ? (sort.desc ? "▼" : "▲") : ""}
      </button>
    </th>
  );
  if (metrics.length === 0) return <p className="muted">No metrics on this dashboard yet.</p>;
  return (
    <table className="value-table" data-testid="value-table">
      <thead>
        <tr>
          {header("name", "Series")}
          {header("value", "Latest")}
          {header("time", "At")}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.metric.id}>
            <td>{r.metric.name}</td>
            <td className="num">{formatValue(r.value, r.metric.unit)}</td>
            <td className="muted">
              {r.time === undefined
                ? "–"
                : new Date(r.time * 1000).toLocaleTimeString("en-GB", { hourCycle: "h23" })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
