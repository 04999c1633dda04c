// A bounded, time-sorted series for one metric: fixed typed arrays used as a ring, so a chart's
// memory stays flat however long the dashboard is open. Points usually arrive in order and are
// appended in O(1); a replayed or late point is inserted at its place, and an equal timestamp is a
// duplicate, so the buffer itself is the dedupe set.

export interface SeriesArrays {
  /** Timestamps in epoch milliseconds, ascending. */
  t: Float64Array;
  v: Float64Array;
}

export class SeriesBuffer {
  readonly #t: Float64Array;
  readonly #v: Float64Array;
  #start = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
    this.#t = new Float64Array(capacity);
    this.#v = new Float64Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  #at(i: number): number {
    return (this.#start + i) % this.capacity;
  }

  /** Inserts a point in time order; false when the timestamp is already there or too old to keep. */
  insert(t: number, v: number): boolean {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return false;
    const n = this.#length;
    let pos = n;
    if (n > 0 && t <= this.#t[this.#at(n - 1)]!) {
      // binary search for the first index whose timestamp is >= t
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.#t[this.#at(mid)]! < t) lo = mid + 1;
        else hi = mid;
      }
      if (lo < n && this.#t[this.#at(lo)] === t) return false;
      pos = lo;
    }
    if (n === this.capacity) {
      if (pos === 0) return false; // older than everything kept: it would be evicted at once
      this.#start = (this.#start + 1) % this.capacity;
      this.#length--;
      pos--;
    }
    for (let i = this.#length; i > pos; i--) {
      const to = this.#at(i);
      const from = this.#at(i - 1);
      this.#t[to] = this.#t[from]!;
      this.#v[to] = this.#v[from]!;
    }
    const at = this.#at(pos);
    this.#t[at] = t;
    this.#v[at] = v;
    this.#length++;
    return true;
  }

  /** A copy in time order (what a chart library is handed). */
  toArrays(): SeriesArrays {
    const t = new Float64Array(this.#length);
    const v = new Float64Array(this.#length);
    const head = Math.min(this.#length, this.capacity - this.#start);
    t.set(this.#t.subarray(this.#start, this.#start + head));
    v.set(this.#v.subarray(this.#start, this.#start + head));
    t.set(this.#t.subarray(0, this.#length - head), head);
    v.set(this.#v.subarray(0, this.#length - head), head);
    return { t, v };
  }

  clear(): void {
    this.#start = 0;
    this.#length = 0;
  }
}
