// Prometheus scraping: one independent loop per target (a slow or dead target never delays
// another), each fetching the text exposition with a timeout and a byte cap, parsing it and
// handing the allowed series to the sink. A failed scrape becomes a ScrapeError for `onError`
// and the loop simply tries again next interval, so a target that comes back is picked up.
import {
  CollectorConfigError,
  CollectorSinkError,
  describe,
  ExpositionParseError,
  ScrapeError,
} from "./errors.ts";
import { checkInterval, startLoop, warnOnError } from "./loop.ts";
import { defaultSeriesOptions, type SeriesOptions, samplesToPoints } from "./prometheus-series.ts";
import { parsePrometheusText } from "./prometheus-text.ts";
import type { CollectedPoint, CollectorHandle, ErrorHandler } from "./types.ts";

export type ScrapeOptions = {
  /** `http(s)://host:port/path`, `host:port/path`, or `host:port` for `http://host:port/metrics`. */
  targets: string[];
  intervalMs?: number;
  sink: (target: string, batch: CollectedPoint[]) => Promise<void>;
  onError?: ErrorHandler;
  /** Per-scrape deadline, connect to last byte (default: the interval, at most 10 s). */
  timeoutMs?: number;
  /** Largest body accepted, after decompression (default 8 MiB). */
  maxBytes?: number;
  /** Largest number of series one scrape may yield after filtering (default 2000). */
  maxSeries?: number;
  /** Sample-name prefixes to keep (default: load, memory, CPU per mode, network bytes); `[""]` keeps all. */
  allow?: string[];
  /** Families summed over all labels but the listed ones (default: `node_cpu_seconds_total` by mode). */
  sumBy?: Record<string, string[]>;
};

const DEFAULT_INTERVAL_MS = 5000;
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_SERIES = 2000;
const ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1";

export function startPrometheusScrape(opts: ScrapeOptions): CollectorHandle {
  const intervalMs = checkInterval(opts.intervalMs ?? DEFAULT_INTERVAL_MS, "prometheus scrape");
  const timeoutMs = positive(opts.timeoutMs ?? Math.min(intervalMs, 10_000), "timeoutMs");
  const maxBytes = positive(opts.maxBytes ?? DEFAULT_MAX_BYTES, "maxBytes");
  const maxSeries = positive(opts.maxSeries ?? DEFAULT_MAX_SERIES, "maxSeries");
  const series: SeriesOptions = {
    allow: opts.allow ?? defaultSeriesOptions.allow,
    sumBy: opts.sumBy ?? defaultSeriesOptions.sumBy,
  };
  const onError = opts.onError ?? warnOnError;
  // Resolve every URL first so a typo fails the start, not every scrape.
  const targets = [...new Set(opts.targets)].map((target) => ({ target, url: targetUrl(target) }));

  const loops = targets.map(({ target, url }) =>
    startLoop({
      intervalMs,
      onError,
      tick: async (signal) => {
        const { text, at } = await fetchExposition(target, url, { timeoutMs, maxBytes, signal });
        let points: CollectedPoint[];
        try {
          points = samplesToPoints(parsePrometheusText(text), series, at);
        } catch (e) {
          if (e instanceof ExpositionParseError) throw new ScrapeError(target, "parse", e.message, e);
          throw e;
        }
        if (points.length > maxSeries) {
          throw new ScrapeError(
            target,
            "too_many_series",
            `${points.length} series after filtering, more than maxSeries=${maxSeries}; narrow 'allow'`,
          );
        }
        if (signal.aborted || points.length === 0) return;
        try {
          await opts.sink(target, points);
        } catch (e) {
          throw new CollectorSinkError(`prometheus scrape of ${target}`, e);
        }
      },
    }),
  );

  return {
    stop: async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}

export function targetUrl(target: string): URL {
  const bare = !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target);
  let url: URL;
  try {
    url = new URL(bare ? `http://${target}` : target);
  } catch {
    throw new CollectorConfigError(`prometheus scrape: invalid target ${JSON.stringify(target)}`);
  }
  // `host:port` means the conventional path; an explicit path is kept as given.
  if (bare && url.pathname === "/" && !target.includes("/")) url.pathname = "/metrics";
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CollectorConfigError(`prometheus scrape: target ${JSON.stringify(target)} is not http(s)`);
  }
  return url;
}

async function fetchExposition(
  target: string,
  url: URL,
  opts: { timeoutMs: number; maxBytes: number; signal: AbortSignal },
): Promise<{ text: string; at: Date }> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([opts.signal, deadline]);
  const failed = (e: unknown): ScrapeError => {
    if (e instanceof ScrapeError) return e;
    if (deadline.aborted)
      return new ScrapeError(target, "timeout", `no complete answer within ${opts.timeoutMs} ms`, e);
    // fetch() hides the socket error (ECONNREFUSED, ENOTFOUND…) in `cause`.
    const cause = e instanceof Error && e.cause !== undefined ? e.cause : e;
    return new ScrapeError(target, "unreachable", describe(cause), e);
  };
  try {
    const response = await fetch(url, { signal, headers: { accept: ACCEPT }, redirect: "follow" });
    const at = new Date();
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new ScrapeError(target, "http_status", `HTTP ${response.status} ${response.statusText}`.trim());
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > opts.maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge(target, opts.maxBytes);
    }
    return { text: await readCapped(target, response, opts.maxBytes), at };
  } catch (e) {
    throw failed(e);
  }
}

/** Reads the body as UTF-8 and gives up as soon as it passes `maxBytes` (gzip bombs included). */
async function readCapped(target: string, response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(target, maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function tooLarge(target: string, maxBytes: number): ScrapeError {
  return new ScrapeError(target, "too_large", `body larger than maxBytes=${maxBytes}`);
}

function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new CollectorConfigError(`prometheus scrape: ${what} must be a positive number, got ${value}`);
  }
  return value;
}
