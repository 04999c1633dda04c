// Owns reading (or writing) rows for a long list of keys in pieces: one `IN (…)` statement per
// IN_CHUNK keys, so no statement passes SQLite's or PostgreSQL's bound-parameter limits however
// many series, sessions or dashboards a request names.
const IN_CHUNK = 500;

/** Runs `run` on each piece of `keys` in turn and joins what the pieces return. */
export async function inChunks<K, R>(keys: readonly K[], run: (part: K[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < keys.length; i += IN_CHUNK) out.push(...(await run(keys.slice(i, i + IN_CHUNK))));
  return out;
}
