// Owns sharing one read among callers that ask at once, without serving anyone a result older
// than their call: a caller that arrives while a read is under way waits for the next one, which
// starts when that read settles, so at most two reads per key are ever in flight and a burst of N
// callers (a node taking over 1,000 reconnects) costs two reads, not N.
export function coalesceFresh<K, T>(read: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const inFlight = new Map<K, { run: Promise<T>; next: Promise<T> | null }>();
  const start = (key: K): Promise<T> => {
    const run = read(key);
    const entry = { run, next: null as Promise<T> | null };
    inFlight.set(key, entry);
    const done = () => {
      if (inFlight.get(key) === entry) inFlight.delete(key);
    };
    run.then(done, done);
    return run;
  };
  return (key) => {
    const entry = inFlight.get(key);
    if (!entry) return start(key);
    const again = () => start(key);
    entry.next ??= entry.run.then(again, again);
    return entry.next;
  };
}
