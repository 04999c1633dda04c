// Owns latency accounting: a fixed 0.1 ms linear histogram (no per-sample allocation, so the
// load generator measures the server rather than its own garbage collector).

const BIN_MS = 0.1;
const BINS = 600_000; // 60 s; anything slower lands in the last bin

export class Histogram {
  private bins = new Uint32Array(BINS);
  count = 0;
  max = 0;

  record(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    const bin = Math.min(BINS - 1, Math.floor(v / BIN_MS));
    this.bins[bin] = (this.bins[bin] ?? 0) + 1;
    this.count++;
    if (v > this.max) this.max = v;
  }

  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.bins[i] ?? 0;
      if (seen >= target) return (i + 1) * BIN_MS;
    }
    return this.max;
  }

  reset(): void {
    this.bins.fill(0);
    this.count = 0;
    this.max = 0;
  }
}
