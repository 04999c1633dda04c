// Owns the UI's manners toward the server's per-user cap on heavy reads (PULSEBOARD_READS_PER_USER,
// 4 by default; the fifth read at once is answered 429): a dashboard with many metrics asks for
// their history a few at a time, in order, leaving one slot free for an export.

/** Runs the functions given to it at most `concurrency` at a time, in the order they came. */
export function limiter(concurrency: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const next = () => {
    running--;
    waiting.shift()?.();
  };
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        running++;
        task().then(resolve, reject).finally(next);
      };
      if (running < concurrency) start();
      else waiting.push(start);
    });
}

/** History reads of the whole UI: three at a time (the server's default cap is four). */
export const historyReads = limiter(3);
