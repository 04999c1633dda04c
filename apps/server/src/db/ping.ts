// Owns asking the database about itself within a deadline: whether it answers (the health and
// readiness routes, and /metrics' pulseboard_db_up) and how big a PostgreSQL database is. A
// database that hangs must make these answer "down" in time, not hang the probe with it.
import { sql } from "kysely";
import type { Db } from "./schema.ts";

const DB_TIMEOUT_MS = 2000;

async function withDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DB_TIMEOUT_MS} ms`)), DB_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the database answers; rejects with why (or the deadline) otherwise. */
export async function ping(db: Db): Promise<void> {
  await withDeadline(sql`select 1`.execute(db));
}

/** PostgreSQL's size of the current database in bytes; undefined when it does not answer in time. */
export async function pgDatabaseSize(db: Db): Promise<number | undefined> {
  const result = await withDeadline(
    sql<{ size: string }>`select pg_database_size(current_database()) as size`.execute(db),
  ).catch(() => undefined);
  const size = result?.rows[0]?.size;
  return size === undefined ? undefined : Number(size);
}
