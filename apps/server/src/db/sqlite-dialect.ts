// Owns the SQLite dialect every writing connection uses (the event loop's and the storage writer
// thread's): Kysely's, with transactions that take the write lock when they begin, and prepared
// statements kept for reuse.
import {
  CompiledQuery,
  type DatabaseConnection,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
} from "kysely";

/**
 * SQLite transactions that take the write lock when they begin (`begin immediate`): the storage
 * writer thread writes through its own connection, and a deferred transaction that read first
 * and wrote after that thread committed would fail at once with SQLITE_BUSY (its snapshot is
 * stale), where an immediate one waits for the lock (busy_timeout) and then sees the latest state.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver() {
    return new (class extends SqliteDriver {
      override async beginTransaction(connection: DatabaseConnection) {
        await connection.executeQuery(CompiledQuery.raw("begin immediate"));
      }
    })(this.settings);
  }
}

/**
 * The connection as Kysely sees it, with prepared statements kept by SQL text (the most recent
 * `max`): Kysely prepares every query it runs, and preparing cost as much as running the small
 * queries of a request (token, role, series lookups; compaction's per-series steps). One
 * connection runs one query at a time (Kysely's mutex), so a statement is never used twice at once.
 */
export function withStatementCache(db: SqliteDatabase, max = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        // Most recently used last: the first key is the one to drop.
        cache.delete(sql);
        cache.set(sql, stmt);
        return stmt;
      }
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}
