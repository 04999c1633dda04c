// Owns the shape of one in-code migration: a leaf module, so that each migration and the list in
// index.ts import it without importing each other.
import type { Kysely } from "kysely";
import type { DbKind } from "../schema.ts";

/** A migration that may need to know the dialect (id columns, float types differ). */
export type PbMigration = {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
  up(db: Kysely<any>, kind: DbKind): Promise<void>;
};
