// Freshness where the user sees it: how long after the server committed a point the client showed
// it (commit → render lag). A client records one lag per point it draws, from `committed_at` of
// `metric_update`; the meter keeps the newest SAMPLES of them and answers percentiles, which a
// dashboard reports to the server (POST /dashboards/:id/freshness, and so the server's /metrics).
// Fixed memory, no allocation per record. Clock skew between server and browser adds to every
// lag alike: the p99 − p50 spread is exact whatever the skew, the absolute lag is as good as the
// clocks (both NTP-synced, in practice a few ms).
const SAMPLES = 2048;

export type FreshnessSnapshot = { p50_ms: number; p99_ms: number; samples: number };

export class FreshnessMeter {
  private readonly lags = new Float64Array(SAMPLES);
  private count = 0;
  private next = 0;

  /** One point drawn at `renderedAtMs` that the server committed at `committedAtMs` (ms since epoch). */
  record(committedAtMs: number, renderedAtMs: number): void {
    if (!Number.isFinite(committedAtMs) || !Number.isFinite(renderedAtMs)) return;
    this.lags[this.next] = Math.max(0, renderedAtMs - committedAtMs);
    this.next = (this.next + 1) % SAMPLES;
    if (this.count < SAMPLES) this.count++;
  }

  /** Percentiles (nearest rank) of the lags recorded since the last reset; null before any. */
  snapshot(): FreshnessSnapshot | null {
    if (this.count === 0) return null;
    const sorted = this.lags.slice(0, this.count).sort();
    const rank = (p: number) =>
      sorted[Math.min(this.count - 1, Math.max(0, Math.ceil(p * this.count) - 1))] as number;
    return { p50_ms: rank(0.5), p99_ms: rank(0.99), samples: this.count };
  }

  reset(): void {
    this.count = 0;
    this.next = 0;
  }
}
