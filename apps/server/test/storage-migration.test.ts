// Specification: a database created by the previous schema (points one row each in
// `metric_values`) is converted on first start with nothing lost: every value at its timestamp,
// back-dated rows included, offsets in commit (row id) order per dashboard, a stream per dashboard.
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/connect.ts";
import { initial } from "../src/db/migrations/001_initial.ts";
import { alertsMigration } from "../src/db/migrations/002_alerts.ts";
import { loginFailures } from "../src/db/migrations/003_login_failures.ts";
import {
  createTestDatabase,
  DB_KINDS,
  startTestApp,
  storedPoints,
  type TestApp,
  type TestDatabase,
} from "./harness.ts";

describe.each(DB_KINDS)("migration to chunked storage on %s", (kind) => {
  let database: TestDatabase | undefined;
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.close();
    await database?.destroy();
  });

  it("converts every stored value, in commit order, and keeps serving them", {
    timeout: 120_000,
  }, async () => {
    database = await createTestDatabase(kind);
    const old = await openDatabase({
      databaseUrl: database.databaseUrl,
      dataDir: database.dataDir,
      migrations: [initial, alertsMigration, loginFailures],
    });
    // biome-ignore lint/suspicious/noExplicitAny: the previous schema, not today's types
    const db = old.db as any;
    const now = Date.now();
    const user = await db
      .insertInto("users")
      .values({ username: "old", password_hash: "x", created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    const dashes: number[] = [];
    for (const name of ["a", "b"]) {
      const d = await db
        .insertInto("dashboards")
        .values({ name, slug: name, description: "", created_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      dashes.push(d.id);
      await db
        .insertInto("dashboard_members")
        .values({ dashboard_id: d.id, user_id: user.id, role: "owner" })
        .execute();
    }
    const metrics: Array<{ id: number; dashboard: number }> = [];
    for (const [i, dashboard] of [dashes[0]!, dashes[0]!, dashes[1]!].entries()) {
      const m = await db
        .insertInto("metrics")
        .values({
          dashboard_id: dashboard,
          name: `m${i}`,
          description: "",
          type: "gauge",
          unit: "",
          created_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      metrics.push({ id: m.id, dashboard });
    }
    // 30,000 rows interleaved across the three metrics; every 7th row is back-dated by an hour.
    const rows: Array<{ metric_id: number; value: number; timestamp: number }> = [];
    const base = now - 86_400_000;
    for (let i = 0; i < 30_000; i++) {
      const m = metrics[i % 3]!;
      rows.push({
        metric_id: m.id,
        value: i + 0.25,
        timestamp: base + i * 1000 - (i % 7 === 0 ? 3_600_000 : 0),
      });
    }
    for (let i = 0; i < rows.length; i += 1000)
      await db
        .insertInto("metric_values")
        .values(rows.slice(i, i + 1000))
        .execute();
    await old.close();

    t = await startTestApp(kind, { database });
    for (const m of metrics) {
      const mine = rows.filter((r) => r.metric_id === m.id);
      const got = await storedPoints(t, m.id);
      // Every value, in time order (ties in commit order).
      const expected = [...mine].sort((x, y) => x.timestamp - y.timestamp || x.value - y.value);
      expect([...got.values]).toEqual(expected.map((r) => r.value));
      expect([...got.ts]).toEqual(expected.map((r) => r.timestamp));
      // Offsets: a dashboard's rows numbered 1… in row-id order.
      const ofDashboard = rows.filter(
        (r) => metrics.find((x) => x.id === r.metric_id)!.dashboard === m.dashboard,
      );
      const offsetOf = new Map(ofDashboard.map((r, i) => [r.value, i + 1]));
      expect([...got.offsets]).toEqual(expected.map((r) => offsetOf.get(r.value)));
    }
    const streams = await t.pb.db.selectFrom("streams").selectAll().orderBy("dashboard_id").execute();
    expect(streams.map((s) => [s.dashboard_id, Number(s.head)])).toEqual([
      [dashes[0], 20_000],
      [dashes[1], 10_000],
    ]);
    expect(new Set(streams.map((s) => s.epoch)).size).toBe(2);
    // New points continue each dashboard's stream after the converted ones.
    const token = await t.createToken("old");
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ metric_id: metrics[2]!.id, value: -1 }] },
    });
    expect(res.status, res.text).toBe(200);
    const after = await storedPoints(t, metrics[2]!.id);
    expect(after.offsets[after.n - 1]).toBe(10_001);
  });
});
