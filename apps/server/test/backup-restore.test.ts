// `pulseboard backup` and `pulseboard restore`, run as the real CLI: a backup taken while the
// server serves and ingest writes, restored into an empty instance, holds every table — each
// table that did not change during the backup exactly, each one that did with a row count
// between before and after — and every stream gets a new epoch. On SQLite and PostgreSQL.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { nodeEntry, type PostgresHandle, startPostgres } from "@pulseboard/test-support";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.ts";
import type { Db } from "../src/db/schema.ts";
import { listTables } from "../src/ops/backup.ts";
import { DB_KINDS, type DbKind, startTestApp, type TestDatabase } from "./harness.ts";

const serverDir = resolve(import.meta.dirname, "..");
const dirs: string[] = [];
let pg: PostgresHandle | undefined;
afterAll(async () => {
  await pg?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function database(kind: DbKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "pb-backup-"));
  dirs.push(dataDir);
  let databaseUrl: string | undefined;
  if (kind === "postgres") {
    pg ??= await startPostgres();
    databaseUrl = await pg.createDatabase();
  }
  const env: Record<string, string> = {
    PULSEBOARD_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  return { kind, databaseUrl, dataDir, env, destroy: async () => {} };
}

function cli(db: TestDatabase, ...args: string[]) {
  const run = spawnSync(process.execPath, [...nodeEntry(join(serverDir, "src/cli.ts")), ...args], {
    cwd: serverDir,
    env: { ...process.env, ...db.env, PULSEBOARD_CONFIG: "" },
    encoding: "utf8",
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}`.trim() };
}

/** Every table's rows as sorted JSON lines (by table name). */
async function dumpAll(db: Db, kind: DbKind): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const table of await listTables(db, kind)) {
    if (table.startsWith("kysely_migration")) continue;
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    out.set(table, rows.rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort());
  }
  return out;
}

// Streams (per-dashboard positions) arrive with the storage rewrite; the spec makes the table
// itself so the epoch renewal is exercised now, whether or not a migration has created it yet.
async function ensureStreams(db: Db) {
  await sql`create table if not exists streams (dashboard_id integer primary key, epoch text not null)`.execute(
    db,
  );
}

describe.each(DB_KINDS)("backup and restore on %s", (kind) => {
  it("restores a backup taken while serving into an empty instance: every table, and new stream epochs", async () => {
    const source = await database(kind);
    const t = await startTestApp(kind, { database: source, config: { seedDemo: false } });
    await t.createUser("alice");
    await t.createUser("bob");
    const token = await t.createToken("alice");
    const alice = await t.login("alice", "pw-alice-secret");
    const dash = (await t.api("POST", "/api/v1/dashboards", { session: alice, body: { name: "Ops" } })).body
      .id;
    await t.addMember(dash, "bob", "viewer", { session: alice });
    const metric = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: alice,
        body: { name: "cpu", type: "gauge" },
      })
    ).body.id;
    const rule = await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      session: alice,
      body: { metric_id: metric, condition: "above", threshold: 90 },
    });
    expect(rule.status).toBe(201);
    await ensureStreams(t.pb.db);
    await sql`insert into streams (dashboard_id, epoch) values (${dash}, 'epoch-before-restore')`.execute(
      t.pb.db,
    );

    // Ingest keeps writing while the backup runs.
    let running = true;
    let n = 0;
    const ingest = (async () => {
      while (running) {
        const points = Array.from({ length: 20 }, () => ({ metric_id: metric, value: n++ }));
        await t.api("POST", "/api/v1/ingest", { token, body: { points } });
      }
    })();
    while (n < 100) await new Promise((r) => setTimeout(r, 10));
    const before = await dumpAll(t.pb.db, kind);
    const file = join(source.dataDir, kind === "sqlite" ? "backup.sqlite" : "backup.jsonl");
    const made = cli(source, "backup", file);
    running = false;
    await ingest;
    expect(made, made.out).toMatchObject({ status: 0 });
    const after = await dumpAll(t.pb.db, kind);
    await t.close();

    // An empty instance: migrated, no users (for PostgreSQL the streams table must exist too).
    const target = await database(kind);
    if (kind === "postgres") {
      const h = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
      await ensureStreams(h.db);
      await h.close();
    }
    const restored = cli(target, "restore", file);
    expect(restored, restored.out).toMatchObject({ status: 0 });
    expect(restored.out).toContain("1 stream epochs renewed");

    const h = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
    const got = await dumpAll(h.db, kind);
    const epochs = await sql<{ epoch: string }>`select epoch from streams`.execute(h.db);
    // New rows go on with fresh ids after the restored ones (sequences follow on PostgreSQL).
    const carol = await h.db
      .insertInto("users")
      .values({ username: "carol", password_hash: "x", created_at: Date.now() } as never)
      .returning("id")
      .executeTakeFirstOrThrow();
    await h.close();

    expect([...got.keys()].sort()).toEqual([...after.keys()].sort());
    for (const [table, rows] of got) {
      if (table === "streams") continue;
      const was = before.get(table) ?? [];
      const now = after.get(table) ?? [];
      if (JSON.stringify(was) === JSON.stringify(now)) expect(rows, table).toEqual(now);
      else if (table === "chunks") {
        // Compaction merges chunks while serving: the points they hold are what must be between.
        const points = (list: string[]) => list.reduce((n, r) => n + Number(JSON.parse(r).count), 0);
        expect(points(rows), table).toBeGreaterThanOrEqual(points(was));
        expect(points(rows), table).toBeLessThanOrEqual(points(now));
      } else {
        expect(rows.length, table).toBeGreaterThanOrEqual(was.length);
        expect(rows.length, table).toBeLessThanOrEqual(now.length);
      }
    }
    expect(got.get("users")?.length).toBe(2);
    expect(epochs.rows).toHaveLength(1);
    expect(epochs.rows[0]?.epoch).toMatch(/^[0-9a-f]{32}$/);
    expect(carol.id).toBeGreaterThan(2);

    // A second restore over data is refused without --force, naming the way out.
    const again = cli(target, "restore", file);
    expect(again.status).toBe(1);
    expect(again.out).toContain("--force");
  }, 120_000);
});

describe("restore refuses what it cannot restore, with a clear error", () => {
  it("a file that is not a backup", async () => {
    const target = await database("sqlite");
    const file = join(target.dataDir, "not-a-backup.txt");
    execFileSync("sh", ["-c", `echo hello > ${file}`]);
    const res = cli(target, "restore", file);
    expect(res.status).toBe(1);
    expect(res.out).toContain("Error:");
  });
});
