// Owns the SQLite dialect every writing connection uses (the event loop's and the storage writer
// thread's): Kysely's, with transactions that take the write lock when they begin.
import {
  CompiledQuery,
  type DatabaseConnection,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
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
