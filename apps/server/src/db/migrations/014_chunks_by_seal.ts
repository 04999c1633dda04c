// PostgreSQL only: `chunks` becomes a table partitioned by `sealed`. The write path's small chunks
// (one per batch, series and tier) and compaction's growing ones live in `chunks_open`, where
// compaction deletes them minutes later; sealed chunks, which only retention deletes, in
// `chunks_sealed`. Before, the dead rows of the small chunks stayed in one table's heap and indexes
// between the sealed ones (PostgreSQL never gives such pages back: 16.8 bytes a point after a bulk
// load of collector data, 4.9 once rewritten), and now upkeep can rewrite the small open partition
// alone (compact.ts `tidyOpenChunks`). Reads and writes keep naming `chunks`; compaction seals a
// chunk by rewriting it (delete, insert), so a row never moves between partitions in place.
// SQLite reclaims freed pages itself (incremental vacuum): unchanged there.
import { sql } from "kysely";
import type { PbMigration } from "./migration.ts";

const INDEXES: Array<[string, string]> = [
  ["chunks_series_time", "(series_id, tier, end_ts)"],
  ["chunks_series_offset", "(series_id, tier, last_offset)"],
  ["chunks_tier_age", "(tier, end_ts)"],
];

export const chunksBySeal: PbMigration = {
  name: "014_chunks_by_seal",
  async up(db, kind) {
    if (kind !== "postgres") return;
    const run = (text: string) => sql.raw(text).execute(db);
    // The table as it is becomes the sealed partition: its rows are moved, not copied (most are
    // sealed); its indexes and foreign key are renamed or dropped for the parent's.
    await run("alter table chunks rename to chunks_sealed");
    for (const [name] of INDEXES)
      await run(`alter index ${name} rename to ${name.replace("chunks", "chunks_sealed")}`);
    const fks = await sql<{ conname: string }>`
      select conname from pg_constraint where conrelid = 'chunks_sealed'::regclass and contype = 'f'`.execute(
      db,
    );
    for (const { conname } of fks.rows) await run(`alter table chunks_sealed drop constraint "${conname}"`);
    // Ids stay unique by their sequence; a partitioned table's unique keys must hold `sealed`.
    await run("alter table chunks_sealed drop constraint chunks_pkey");
    await run(`
      create table chunks (
        id bigint not null default nextval('chunks_id_seq'),
        series_id integer not null references series (id) on delete cascade,
        tier integer not null,
        start_ts bigint not null,
        end_ts bigint not null,
        count integer not null,
        first_offset bigint not null,
        last_offset bigint not null,
        sealed integer not null,
        data bytea not null
      ) partition by list (sealed)`);
    await run("alter sequence chunks_id_seq owned by chunks.id");
    await run("create table chunks_open partition of chunks for values in (0)");
    const columns = "id, series_id, tier, start_ts, end_ts, count, first_offset, last_offset, sealed, data";
    await run(`insert into chunks_open (${columns}) select ${columns} from chunks_sealed where sealed <> 1`);
    await run("delete from chunks_sealed where sealed <> 1");
    await run("alter table chunks_sealed add constraint chunks_sealed_sealed check (sealed = 1)");
    await run("alter table chunks attach partition chunks_sealed for values in (1)");
    // On the parent: created on chunks_open, and the renamed ones of chunks_sealed are attached.
    for (const [name, cols] of INDEXES) await run(`create index ${name} on chunks ${cols}`);
    await run("create index chunks_id on chunks (id)");
  },
};
