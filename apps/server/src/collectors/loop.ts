// The one timing loop every collector runs on: ticks on a fixed cadence without ever
// overlapping (a slow tick makes the loop skip slots rather than pile up), reports every
// failure to `onError` and keeps going, and on `stop()` aborts and awaits the tick in flight
// so that nothing reaches a sink after `stop()` has resolved.
import { CollectorConfigError } from "./errors.ts";
import type { CollectorHandle, ErrorHandler } from "./types.ts";

export const MIN_INTERVAL_MS = 10;

export function checkInterval(intervalMs: number, what: string): number {
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
    throw new CollectorConfigError(
      `${what}: intervalMs must be a number >= ${MIN_INTERVAL_MS}, got ${intervalMs}`,
    );
  }
  return intervalMs;
}

/** Default for a collector started without `onError`: visible, but never fatal. */
export const warnOnError: ErrorHandler = (e) => process.emitWarning(e);

export function startLoop(opts: {
  intervalMs: number;
  tick: (signal: AbortSignal) => Promise<void>;
  onError: ErrorHandler;
}): CollectorHandle {
  const { intervalMs, tick, onError } = opts;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let nextAt = Date.now();

  const report = (e: unknown) => {
    if (stopping.signal.aborted) return; // errors caused by our own abort are not news
    try {
      onError(e instanceof Error ? e : new Error(String(e)));
    } catch {
      // A throwing error handler must not kill the loop.
    }
  };

  const run = () => {
    timer = undefined;
    inFlight = Promise.resolve()
      .then(() => tick(stopping.signal))
      .catch(report)
      .finally(() => {
        inFlight = undefined;
        if (stopping.signal.aborted) return;
        // Next slot on the original cadence; slots missed by a slow tick are skipped.
        const now = Date.now();
        nextAt += intervalMs;
        if (nextAt <= now) nextAt = now + intervalMs - ((now - nextAt) % intervalMs);
        timer = setTimeout(run, nextAt - now);
        // Background work: never the reason the process stays alive.
        timer.unref();
      });
  };
  run();

  return {
    stop: async () => {
      stopping.abort();
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
