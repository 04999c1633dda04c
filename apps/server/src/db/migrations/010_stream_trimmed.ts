// Where retention has cut a dashboard's stream: `trimmed` is the largest offset among the raw
// points retention deleted, so a client resuming from a position before it is told its gap
// cannot be replayed (`recovered: false`) instead of being handed a replay with a silent hole.
import type { PbMigration } from "./migration.ts";

export const streamTrimmed: PbMigration = {
  name: "010_stream_trimmed",
  async up(db) {
    await db.schema
      .alterTable("streams")
      .addColumn("trimmed", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
