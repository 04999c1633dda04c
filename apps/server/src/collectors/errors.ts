// Error classes raised or reported by the collectors, each with a stable `code`. Collectors run
// in the background, so these reach the server only through `onError` (to be logged); the
// config errors are thrown synchronously by the start functions. Their codes are rows of the one
// error table (@pulseboard/channels/error-codes); they are not request errors, so they keep their
// own base (with `cause`) rather than the REST/WebSocket one.
import type { ErrorCode } from "@pulseboard/channels";

export class CollectorError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A start function was given options it cannot run with (bad interval, bad target URL). */
export class CollectorConfigError extends CollectorError {
  constructor(message: string) {
    super("PB_ERR_COLLECTOR_CONFIG", message);
  }
}

/** The sink rejected a batch; the batch is lost, the loop goes on. */
export class CollectorSinkError extends CollectorError {
  constructor(collector: string, cause: unknown) {
    super("PB_ERR_COLLECTOR_SINK", `${collector}: the sink rejected a batch: ${describe(cause)}`, { cause });
  }
}

/** A system source (/proc file) could not be read or understood. */
export class CollectorReadError extends CollectorError {
  constructor(source: string, cause: unknown) {
    super("PB_ERR_COLLECTOR_READ", `could not read ${source}: ${describe(cause)}`, { cause });
  }
}

/** A Prometheus exposition body is not valid text format; `line` is 1-based. */
export class ExpositionParseError extends CollectorError {
  readonly line: number;
  constructor(line: number, reason: string, text: string) {
    super("PB_ERR_EXPOSITION_PARSE", `line ${line}: ${reason}: ${JSON.stringify(clip(text))}`);
    this.line = line;
  }
}

export type ScrapeFailure =
  | "unreachable"
  | "timeout"
  | "http_status"
  | "too_large"
  | "too_many_series"
  | "parse";

const scrapeCodes: Record<ScrapeFailure, ErrorCode> = {
  unreachable: "PB_ERR_SCRAPE_UNREACHABLE",
  timeout: "PB_ERR_SCRAPE_TIMEOUT",
  http_status: "PB_ERR_SCRAPE_HTTP_STATUS",
  too_large: "PB_ERR_SCRAPE_TOO_LARGE",
  too_many_series: "PB_ERR_SCRAPE_TOO_MANY_SERIES",
  parse: "PB_ERR_SCRAPE_PARSE",
};

/** One failed scrape of one target; carries the target because `onError` gets only the error. */
export class ScrapeError extends CollectorError {
  readonly target: string;
  readonly failure: ScrapeFailure;
  constructor(target: string, failure: ScrapeFailure, detail: string, cause?: unknown) {
    super(scrapeCodes[failure], `scrape of ${target} failed: ${detail}`, { cause });
    this.target = target;
    this.failure = failure;
  }
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
