// Owns dashboard export as CSV or JSON, streamed window by window: each window (about 50,000
// points) is read and formatted by a read worker while the previous one is being written (two at a
// time, one per read thread), and more are only asked for when the client has taken the last
// (Readable.from pulls on demand), so an export's memory is three windows and the event loop only
// passes bytes on (CSV windows arrive as bytes the worker wrote, moved without a copy). CSV cells are escaped
// (RFC 4180) and text cells that a spreadsheet would run as a formula (= + - @, tab, CR) are
// neutralised with a leading apostrophe.
import { Readable } from "node:stream";
import { dashboardJson, metricJson } from "../dashboards/store.ts";
import type { Dashboard, Metric } from "../db/schema.ts";
import type { Storage } from "../storage/index.ts";

export type ExportRange = { from?: number | undefined; to?: number | undefined };

const POINTS_PER_WINDOW = 50_000;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV text cell: formula guard, then quoting when it holds a quote, comma or line break. */
export function csvText(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/**
 * Windows formatted at once, ahead of the one being written: one per read thread (two by default),
 * so both threads format while the event loop writes.
 */
const AHEAD = 2;

/** A metric's formatted windows in time order, the next ones read while this one is written. */
async function* windows<T extends string | Uint8Array>(
  storage: Storage,
  metric: Metric,
  range: ExportRange,
  format: (w: [number, number], seriesId: number) => Promise<T>,
): AsyncGenerator<T> {
  const seriesId = await storage.series.idFor(metric.id);
  const list = await storage.reader.run<Array<[number, number]>>({
    op: "windows",
    seriesId,
    range,
    pointsPerWindow: POINTS_PER_WINDOW,
  });
  const ahead: Promise<T>[] = [];
  let next = 0;
  const fill = () => {
    while (ahead.length < AHEAD && next < list.length) {
      const text = format(list[next++]!, seriesId);
      // A rejected prefetch must not go unhandled if the client leaves first.
      text.catch(() => {});
      ahead.push(text);
    }
  };
  fill();
  while (ahead.length > 0) {
    const text = await ahead.shift()!;
    fill();
    if (text.length > 0) yield text;
  }
}

function stream(parts: AsyncGenerator<string | Buffer>, release: () => void): Readable {
  const out = Readable.from(parts);
  out.once("close", release);
  return out;
}

export function exportCsv(
  storage: Storage,
  metrics: Metric[],
  range: ExportRange,
  release: () => void,
): Readable {
  async function* lines() {
    yield "metric_id,metric_name,unit,timestamp,value\r\n";
    for (const m of metrics) {
      const prefix = `${m.id},${csvText(m.name)},${csvText(m.unit)},`;
      // A window's rows come as bytes the worker wrote and handed over (no copy, no encoding).
      for await (const rows of windows(storage, m, range, (window, seriesId) =>
        storage.reader.run<Uint8Array>({ op: "csv", seriesId, window, prefix }),
      ))
        yield Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength);
    }
  }
  return stream(lines(), release);
}

export function exportJson(
  storage: Storage,
  dashboard: Dashboard,
  metrics: Metric[],
  range: ExportRange,
  release: () => void,
): Readable {
  async function* parts() {
    yield `{"dashboard":${JSON.stringify(dashboardJson(dashboard))},"metrics":[`;
    for (const [i, m] of metrics.entries()) {
      yield `${i ? "," : ""}${JSON.stringify(metricJson(m)).slice(0, -1)},"values":[`;
      let first = true;
      for await (const chunk of windows(storage, m, range, (window, seriesId) =>
        storage.reader.run<string>({ op: "json", seriesId, window }),
      )) {
        yield (first ? "" : ",") + chunk;
        first = false;
      }
      yield "]}";
    }
    yield "]}";
  }
  return stream(parts(), release);
}
