// Owns `pulseboard backup FILE` and `pulseboard restore FILE`. Every table is copied
// generically (listed from the catalogue, never from a hard-coded list), so tables added by
// later migrations are backed up without touching this module.
//  - SQLite: `VACUUM INTO` — SQLite's online copy, one read transaction, so the server keeps
//    writing (WAL) while the backup reads a consistent snapshot; the result is a SQLite file.
//  - PostgreSQL: one REPEATABLE READ, READ ONLY transaction (a consistent snapshot across all
//    tables) written as JSON lines: a header, then per table its columns and its rows.
// A restore goes into an empty instance (or with `force`, over one), checks the backup was made
// at the same migration level, and gives every stream a new epoch, so a client that resumes
// with a position from before the restore is told to refetch instead of getting a wrong replay.
import { randomUUID } from "node:crypto";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import SQLite from "better-sqlite3";
import { type Kysely, sql } from "kysely";
import type { Config } from "../config/config.ts";
import { openDatabase } from "../db/connect.ts";
import type { Db, DbKind } from "../db/schema.ts";

const FORMAT = "pulseboard-backup";
const SQLITE_MAGIC = "SQLite format 3\0";
const MIGRATION_TABLES = new Set(["kysely_migration", "kysely_migration_lock"]);

export class BackupError extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: tables are handled generically, by name
type AnyDb = Kysely<any>;

export const sqliteFile = (dataDir: string) => join(dataDir, "pulseboard.db");

/** Every base table of the current schema, migration bookkeeping included; partitions not on their own. */
export async function listTables(db: Db | AnyDb, kind: DbKind): Promise<string[]> {
  const rows =
    kind === "sqlite"
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
          db,
        )
      : // A partitioned table's rows are read and written through it, never through its partitions.
        await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'
            and table_name not in (select relname from pg_class where relispartition)
          order by table_name`.execute(db);
  return rows.rows.map((r) => r.name);
}

async function migrationNames(db: Db | AnyDb): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}

/** Writes a backup of the instance `config` points at to `file`; returns what was copied. */
export async function backup(config: Config, file: string): Promise<string> {
  if (existsSync(file)) throw new BackupError(`${file} exists; choose a new file name`);
  if (!config.databaseUrl) {
    const source = sqliteFile(config.dataDir);
    if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
    const db = new SQLite(source, { fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      db.prepare("VACUUM INTO ?").run(file);
    } finally {
      db.close();
    }
    return `Backed up SQLite ${source} to ${file}`;
  }
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const out = createWriteStream(file, { flags: "wx" });
  const write = (line: unknown) =>
    new Promise<void>((resolve, reject) =>
      out.write(`${JSON.stringify(line, encodeValue)}\n`, (err) => (err ? reject(err) : resolve())),
    );
  let rows = 0;
  let tables: string[] = [];
  try {
    await handle.db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        await sql`set transaction read only`.execute(trx);
        tables = await parentsFirst(trx, await listTables(trx, "postgres"));
        await write({
          format: FORMAT,
          version: 1,
          kind: "postgres",
          created_at: new Date().toISOString(),
          migrations: await migrationNames(trx),
        });
        for (const table of tables) {
          const cols = await sql<{ name: string }>`select column_name as name from information_schema.columns
            where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(
            trx,
          );
          const columns = cols.rows.map((c) => c.name);
          await write({ table, columns });
          // Pages of rows in physical order, so a large table never sits in memory whole.
          let after = "(0,0)";
          for (;;) {
            const page = await sql<
              Record<string, unknown>
            >`select ctid::text as pb_ctid, * from ${sql.table(table)}
              where ctid > ${after}::tid order by ctid limit 5000`.execute(trx);
            for (const row of page.rows) await write({ r: columns.map((c) => row[c]) });
            rows += page.rows.length;
            const last = page.rows.at(-1);
            if (!last || page.rows.length < 5000) break;
            after = String(last.pb_ctid);
          }
        }
      });
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    out.destroy();
    rmSync(file, { force: true });
    throw err;
  } finally {
    await handle.close();
  }
  return `Backed up ${tables.length} PostgreSQL tables (${rows} rows) to ${file}`;
}

function encodeValue(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && (value as { type?: string }).type === "Buffer")
    return { $b64: Buffer.from((value as { data: number[] }).data).toString("base64") };
  return value;
}

function decodeValue(value: unknown): unknown {
  if (value && typeof value === "object" && "$b64" in value) return Buffer.from(String(value.$b64), "base64");
  return value;
}

function isSqliteFile(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    return head.toString("latin1") === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}

/** Tables ordered so every table comes after the tables its foreign keys point at. */
async function parentsFirst(db: AnyDb, tables: string[]): Promise<string[]> {
  const edges = await sql<{ child: string; parent: string }>`select c.relname as child, p.relname as parent
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
    where k.contype = 'f' and k.connamespace = current_schema()::regnamespace`.execute(db);
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set()]));
  for (const e of edges.rows) if (e.child !== e.parent) parents.get(e.child)?.add(e.parent);
  const out: string[] = [];
  const visit = (t: string, path: Set<string>) => {
    if (out.includes(t) || path.has(t)) return;
    path.add(t);
    for (const p of parents.get(t) ?? []) visit(p, path);
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

/** Serial and identity columns continue after the restored rows. */
async function resetSequences(db: AnyDb, tables: string[]): Promise<void> {
  const seqs = await sql<{
    table: string;
    column: string;
    seq: string;
  }>`select table_name as table, column_name as column,
      pg_get_serial_sequence(quote_ident(table_name), column_name) as seq
    from information_schema.columns where table_schema = current_schema()
      and pg_get_serial_sequence(quote_ident(table_name), column_name) is not null`.execute(db);
  for (const { table, column, seq } of seqs.rows) {
    if (!tables.includes(table)) continue;
    await sql`select setval(${seq}, coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(
      db,
    );
  }
}

async function hasUsers(db: Db | AnyDb): Promise<boolean> {
  const row = await sql<{ n: number }>`select count(*) as n from users`.execute(db);
  return Number(row.rows[0]?.n ?? 0) > 0;
}

/**
 * Gives every stream a new random epoch, if this schema has streams (positions from before a
 * restore must not match positions after it). Written defensively: a schema without the
 * table or column is left alone.
 */
export async function renewStreamEpochs(db: Db | AnyDb, kind: DbKind): Promise<number> {
  const has =
    kind === "sqlite"
      ? await sql<{
          n: number;
        }>`select count(*) as n from pragma_table_info('streams') where name = 'epoch'`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from information_schema.columns
          where table_schema = current_schema() and table_name = 'streams' and column_name = 'epoch'`.execute(
          db,
        );
  if (Number(has.rows[0]?.n ?? 0) === 0) return 0;
  const result =
    kind === "sqlite"
      ? await sql`update streams set epoch = lower(hex(randomblob(16)))`.execute(db)
      : await sql`update streams set epoch = replace(gen_random_uuid()::text, '-', '')`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Restores `file` into the instance `config` points at (empty, unless `force`). */
export async function restore(
  config: Config,
  file: string,
  options: { force?: boolean } = {},
): Promise<string> {
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  if (isSqliteFile(file)) return restoreSqlite(config, file, options);
  return restorePostgres(config, file, options);
}

async function restoreSqlite(config: Config, file: string, options: { force?: boolean }): Promise<string> {
  if (config.databaseUrl)
    throw new BackupError("this is a SQLite backup; restore it into a SQLite instance (unset DATABASE_URL)");
  const target = sqliteFile(config.dataDir);
  if (existsSync(target) && !options.force) {
    const handle = await openDatabase({ dataDir: config.dataDir });
    const used = await hasUsers(handle.db).finally(() => handle.close());
    if (used)
      throw new BackupError(`${target} already holds data; stop the server and pass --force to replace it`);
  }
  // Copy beside the target, then swap it in with a rename (atomic): a crash mid-copy leaves the
  // old database intact. The old WAL belongs to the old file and must not be replayed over it.
  const staging = `${target}.restoring-${randomUUID()}`;
  const copy = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    copy.prepare("VACUUM INTO ?").run(staging);
  } finally {
    copy.close();
  }
  for (const suffix of ["-wal", "-shm"]) rmSync(target + suffix, { force: true });
  renameSync(staging, target);
  const handle = await openDatabase({ dataDir: config.dataDir });
  try {
    const epochs = await renewStreamEpochs(handle.db, "sqlite");
    const tables = await listTables(handle.db, "sqlite");
    return `Restored ${file} into ${target} (${tables.length} tables; ${epochs} stream epochs renewed)`;
  } finally {
    await handle.close();
  }
}

async function restorePostgres(config: Config, file: string, options: { force?: boolean }): Promise<string> {
  if (!config.databaseUrl)
    throw new BackupError(
      "this is a PostgreSQL backup; restore it into a PostgreSQL instance (set DATABASE_URL)",
    );
  const lines = createInterface({
    input: createReadStream(file, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const header = first.done
    ? undefined
    : (JSON.parse(first.value) as { format?: string; migrations?: string[] });
  if (header?.format !== FORMAT) throw new BackupError(`${file} is not a Pulseboard backup`);
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const here = await migrationNames(handle.db);
    if (JSON.stringify(here) !== JSON.stringify(header.migrations))
      throw new BackupError(
        `the backup was made at migrations [${header.migrations?.join(", ")}], this instance is at [${here.join(", ")}]; restore with the matching Pulseboard version`,
      );
    if (!options.force && (await hasUsers(handle.db)))
      throw new BackupError("the target database already holds data; pass --force to replace it");
    let rows = 0;
    let epochs = 0;
    await handle.db.transaction().execute(async (trx) => {
      const tables = (await listTables(trx, "postgres")).filter((t) => !MIGRATION_TABLES.has(t));
      if (tables.length > 0)
        await sql`truncate ${sql.join(tables.map((t) => sql.table(t)))} restart identity cascade`.execute(
          trx,
        );
      // Tables arrive parents first (the backup orders them by their foreign keys).
      const pending = new Map<string, Record<string, unknown>[]>();
      let table = "";
      let columns: string[] = [];
      const flush = async (name: string) => {
        const batch = pending.get(name);
        if (!batch || batch.length === 0) return;
        pending.set(name, []);
        await (trx as AnyDb).insertInto(name).values(batch).execute();
      };
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!next.value) continue;
        const line = JSON.parse(next.value) as { table?: string; columns?: string[]; r?: unknown[] };
        if (line.table !== undefined) {
          await flush(table);
          table = line.table;
          columns = line.columns ?? [];
          if (!MIGRATION_TABLES.has(table)) {
            if (!tables.includes(table))
              throw new BackupError(`the backup has a table "${table}" this instance lacks`);
          }
          continue;
        }
        if (MIGRATION_TABLES.has(table) || !line.r) continue;
        const row: Record<string, unknown> = {};
        columns.forEach((c, i) => {
          row[c] = decodeValue(line.r?.[i]);
        });
        const batch = pending.get(table) ?? [];
        batch.push(row);
        pending.set(table, batch);
        rows++;
        if (batch.length >= 500) await flush(table);
      }
      await flush(table);
      await resetSequences(trx, tables);
      epochs = await renewStreamEpochs(trx, "postgres");
    });
    return `Restored ${rows} rows from ${file} (${epochs} stream epochs renewed)`;
  } finally {
    lines.close();
    await handle.close();
  }
}
