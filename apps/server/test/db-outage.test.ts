// PostgreSQL going away must never take the server process down: not while a client sits idle
// in the pool, and not while one is checked out inside a transaction between two statements
// (there the error is emitted on the client itself, where the pool does not listen).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PostgresHandle, startPostgres } from "@pulseboard/test-support";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DbHandle, openDatabase } from "../src/db/connect.ts";

let pg: PostgresHandle;
let handle: DbHandle;
let dataDir: string;
const lost: Error[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  dataDir = mkdtempSync(join(tmpdir(), "pb-db-outage-"));
  handle = await openDatabase({
    databaseUrl: await pg.createDatabase(),
    dataDir,
    onPoolError: (e) => lost.push(e),
  });
}, 60_000);

afterAll(async () => {
  await handle?.close().catch(() => {});
  await pg?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("PostgreSQL outage", () => {
  it("fails a transaction caught mid-way, reports the lost connection, and recovers when it is back", async () => {
    const transaction = handle.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await pg.stop(); // terminates this session while it is idle inside the transaction
      await new Promise((r) => setTimeout(r, 300));
      await sql`select 1`.execute(trx);
    });
    await expect(transaction).rejects.toThrow();
    expect(lost.length).toBeGreaterThan(0);

    await pg.start();
    let answer: unknown;
    for (let i = 0; i < 50 && answer === undefined; i++) {
      answer = await sql<{ one: number }>`select 1 as one`
        .execute(handle.db)
        .then((r) => r.rows[0]?.one)
        .catch(() => undefined);
      if (answer === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toBe(1);
  });
});
