// Owns how many password hashes run at once. scrypt runs on libuv's thread pool (4 threads),
// which file and DNS work share: a login flood must not occupy all of it, and must not build a
// queue that every later login waits behind. So at most `concurrency` hashes run, at most
// `queue` wait, and anything beyond is refused at once with 429 (retry in a second), without
// hashing at all. One pool per app; login and password change share it.
import { RateLimitedError } from "../http/errors.ts";

export class HashPool {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  /** Runs `work` when a slot is free; throws RateLimitedError when the queue is full too. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= Math.max(1, this.concurrency)) {
      if (this.#waiting.length >= this.queue)
        throw new RateLimitedError("Too many sign-ins at once; try again in a second", 1);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter (active stays), or is given back.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

const pools = new WeakMap<object, HashPool>();

/** The pool of one app (keyed by its context). */
export function hashPoolOf(owner: object, concurrency: number, queue: number): HashPool {
  let pool = pools.get(owner);
  if (!pool) {
    pool = new HashPool(concurrency, queue);
    pools.set(owner, pool);
  }
  return pool;
}
