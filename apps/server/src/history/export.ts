// Owns dashboard export as CSV or JSON, streamed window by window: each window (about 50,000
// points) is read and formatted by a read worker while the previous one is being written (two at a
// time, one per read thread), and more are only asked for when the client has taken the last
// (Readable.from pulls on demand), so an export's memory is three windows and the event loop only
// passes bytes on (CSV windows arrive as bytes the worker wrote, moved without a copy). CSV cells are escaped
// (RFC 4180) and text cells that a spreadsheet would run as a formula (= + - @, tab, CR) are
// neutralised with a leading apostrophe. A client that leaves mid-download lets go at once: the
// stream ends without waiting for the windows being read, and those still queued are skipped.
import { Readable } from "node:stream";
import { dashboardJson, metricJson } from "../dashboards/store.ts";
import type { Dashboard, Metric } from "../db/schema.ts";
import type { Storage } from "../storage/index.ts";
import type { ClientLeft } from "../storage/tasks.ts";

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

/** What an export's reads share: the client's departure, as a signal and as worker-visible memory. */
type Departure = { left: ClientLeft; gone: Promise<typeof GONE> };

const GONE = Symbol("client gone");

function departure(signal: AbortSignal): Departure {
  const left = new Int32Array(new SharedArrayBuffer(4));
  const gone = new Promise<typeof GONE>((resolve) => {
    const leave = () => {
      Atomics.store(left, 0, 1);
      resolve(GONE);
    };
    if (signal.aborted) leave();
    else signal.addEventListener("abort", leave, { once: true });
  });
  return { left, gone };
}

/**
 * A metric's formatted windows in time order, the next ones read while this one is written. Once
 * the client has gone it returns at once: the stream's destroy waits for this generator, which
 * would otherwise sit on a window queued behind every other read in the pool.
 */
async function* windows<T extends string | Uint8Array>(
  storage: Storage,
  metric: Metric,
  range: ExportRange,
  client: Departure,
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
    const text = await Promise.race([ahead.shift()!, client.gone]);
    if (text === GONE) return;
    fill();
    if (text.length > 0) yield text;
  }
}

/**
 * `highWaterMark: 1`: one formatted window waits in the stream while the socket takes the last
 * (object mode's default of 16 would hold sixteen windows, tens of megabytes, per slow client).
 */
function stream(parts: AsyncGenerator<string | Buffer>, release: () => void): Readable {
  const out = Readable.from(parts, { highWaterMark: 1 });
  out.once("close", release);
  return out;
}

export function exportCsv(
  storage: Storage,
  metrics: Metric[],
  range: ExportRange,
  release: () => void,
  signal: AbortSignal,
): Readable {
  const client = departure(signal);
  async function* lines() {
    yield "metric_id,metric_name,unit,timestamp,value\r\n";
    for (const m of metrics) {
      if (signal.aborted) return;
      const prefix = `${m.id},${csvText(m.name)},${csvText(m.unit)},`;
      // A window's rows come as bytes the worker wrote and handed over (no copy, no encoding).
      for await (const rows of windows(storage, m, range, client, (window, seriesId) =>
        storage.reader.run<Uint8Array>({ op: "csv", seriesId, window, prefix, left: client.left }),
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
  signal: AbortSignal,
): Readable {
  const client = departure(signal);
  async function* parts() {
    yield `{"dashboard":${JSON.stringify(dashboardJson(dashboard))},"metrics":[`;
    for (const [i, m] of metrics.entries()) {
      if (signal.aborted) return;
      yield `${i ? "," : ""}${JSON.stringify(metricJson(m)).slice(0, -1)},"values":[`;
      let first = true;
      for await (const chunk of windows(storage, m, range, client, (window, seriesId) =>
        storage.reader.run<string>({ op: "json", seriesId, window, left: client.left }),
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
