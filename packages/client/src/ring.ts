// The one bounded series of the SDK (the live store's per-metric ring): a time series kept in two
// Float64Arrays that uPlot can read without copying. Points are appended at the end of a buffer
// twice the capacity and the newest `capacity` are slid to the front only when it fills, so appends
// are O(1) amortised, memory stays flat however long a dashboard is open, and `view()` is always
// one contiguous subarray. Times are in seconds (uPlot's x unit).
export class SeriesRing {
  private xs: Float64Array;
  private ys: Float64Array;
  private start = 0;
  private end = 0;

  /**
   * @param capacity most points kept (oldest dropped first)
   * @param bucketSeconds when > 0, a point in the same bucket as the newest one replaces it, so a
   *   long time range holds one point per bucket instead of every live update.
   */
  constructor(
    readonly capacity: number,
    public bucketSeconds = 0,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
    this.xs = new Float64Array(capacity * 2);
    this.ys = new Float64Array(capacity * 2);
  }

  get length() {
    return this.end - this.start;
  }

  lastX(): number | undefined {
    return this.end > this.start ? this.xs[this.end - 1] : undefined;
  }

  lastY(): number | undefined {
    return this.end > this.start ? this.ys[this.end - 1] : undefined;
  }

  clear() {
    this.start = 0;
    this.end = 0;
  }

  /** Adds a point at time `x` (seconds). Returns false when it was a duplicate. */
  push(x: number, y: number): boolean {
    const last = this.lastX();
    if (last === undefined || x > last) {
      if (
        this.bucketSeconds > 0 &&
        last !== undefined &&
        bucket(x, this.bucketSeconds) === bucket(last, this.bucketSeconds)
      ) {
        this.xs[this.end - 1] = x;
        this.ys[this.end - 1] = y;
        return true;
      }
      this.append(x, y);
      return true;
    }
    return this.insert(x, y);
  }

  /** The stored points, oldest first, as views into the buffers (valid until the next push). */
  view(): [Float64Array, Float64Array] {
    return [this.xs.subarray(this.start, this.end), this.ys.subarray(this.start, this.end)];
  }

  private append(x: number, y: number) {
    if (this.end === this.xs.length) this.compact();
    this.xs[this.end] = x;
    this.ys[this.end] = y;
    this.end++;
    if (this.end - this.start > this.capacity) this.start++;
  }

  private compact() {
    const keep = Math.min(this.length, this.capacity - 1);
    this.xs.copyWithin(0, this.end - keep, this.end);
    this.ys.copyWithin(0, this.end - keep, this.end);
    this.start = 0;
    this.end = keep;
  }

  // Out-of-order points arrive when a resume replay overlaps history: keep the series sorted and
  // free of duplicates so the chart never draws a zig-zag or a gap.
  private insert(x: number, y: number): boolean {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.xs[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.end && this.xs[lo] === x) {
      this.ys[lo] = y;
      return false;
    }
    if (lo === this.start && this.length >= this.capacity) return false; // older than everything kept
    if (this.end === this.xs.length) {
      this.compact();
      return this.insert(x, y);
    }
    this.xs.copyWithin(lo + 1, lo, this.end);
    this.ys.copyWithin(lo + 1, lo, this.end);
    this.xs[lo] = x;
    this.ys[lo] = y;
    this.end++;
    if (this.end - this.start > this.capacity) this.start++;
    return true;
  }
}

function bucket(x: number, size: number) {
  return Math.floor(x / size);
}
