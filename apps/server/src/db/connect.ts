// Owns opening the database: SQLite (better-sqlite3, WAL, synchronous=FULL so an acknowledged
// commit survives kill -9 and power loss) by default, PostgreSQL when a URL is given; then
// runs the migrations. Everything above this module speaks Kysely only.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect } from "kysely";
import pg from "pg";
import { migrationProvider, migrations, type PbMigration } from "./migrations/index.ts";
import { checkedPool, pgTypes } from "./pg-types.ts";
import type { Database, Db, DbKind, DbTarget } from "./schema.ts";
import { ImmediateSqliteDialect, withStatementCache } from "./sqlite-dialect.ts";

export type DbHandle = { db: Db; kind: DbKind; target: DbTarget; close(): Promise<void> };

export type DbOptions = {
  databaseUrl?: string | undefined;
  dataDir: string;
  migrations?: PbMigration[];
  onPoolError?: (err: Error) => void;
};

export async function openDatabase(options: DbOptions): Promise<DbHandle> {
  let db: Db;
  let kind: DbKind;
  let target: DbTarget;
  if (options.databaseUrl) {
    kind = "postgres";
    target = { kind, url: options.databaseUrl };
    // Fail fast while PostgreSQL is away (requests answer 503) rather than queueing for ever.
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      types: pgTypes,
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its server emits 'error' on the pool; unhandled, it would end the
    // process. The pool drops that client and reconnects on the next query.
    const onLost =
      options.onPoolError ??
      ((err: Error) => console.error(`[db] PostgreSQL connection lost: ${err.message}`));
    pool.on("error", onLost);
    // A checked-out client (e.g. inside a transaction, between two statements) emits 'error' on
    // itself, where the pool does not listen: without this the server dies when PostgreSQL goes
    // away mid-transaction. The transaction then fails (503) and the pool discards the client.
    pool.on("connect", (client) => {
      client.on("error", onLost);
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: checkedPool(pool) }) });
  } else {
    kind = "sqlite";
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, "pulseboard.db");
    target = { kind, file: path };
    const file = new SQLite(path);
    // Only a new, empty file takes it: then the pages of deleted chunks (compaction, retention) go
    // back to the file system in steps (storage/compact.ts reclaimStep) instead of staying for ever.
    file.pragma("auto_vacuum = INCREMENTAL");
    file.pragma("journal_mode = WAL");
    file.pragma("synchronous = FULL");
    file.pragma("foreign_keys = ON");
    // The CLI may write while the server runs.
    file.pragma("busy_timeout = 5000");
    db = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: withStatementCache(file) }),
    });
  }
  const migrator = new Migrator({ db, provider: migrationProvider(kind, options.migrations ?? migrations) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "?";
    throw new Error(`database migration ${failed} failed: ${String((error as Error).message ?? error)}`);
  }
  return { db, kind, target, close: () => db.destroy() };
}
