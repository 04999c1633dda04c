// Owns the few column definitions that differ between SQLite and PostgreSQL, so migrations
// stay one text for both dialects.
import type { CreateTableBuilder } from "kysely";
import type { DbKind } from "../schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: builder of any table
type Builder = CreateTableBuilder<any, any>;

/** Auto-incrementing integer primary key named `id`. */
export function withId(table: Builder, kind: DbKind, big = false): Builder {
  return kind === "postgres"
    ? table.addColumn("id", big ? "bigserial" : "serial", (c) => c.primaryKey())
    : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
}
