// Specification: a point acknowledged with 200 is never lost, even when the server process is
// killed with SIGKILL mid-stream — on SQLite (WAL, synchronous=FULL) and PostgreSQL.
// The server runs as a real child process (`node --import tsx apps/server/src/main.ts`, i.e.
// what `npx tsx` runs, without the npx wrapper so the signal hits the server itself).
import type { ChildProcess } from "node:child_process";
import { freePort } from "@pulseboard/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { createApiToken } from "../src/auth/tokens.ts";
import { createUser } from "../src/auth/users.ts";
import { createDashboard } from "../src/dashboards/store.ts";
import { openDatabase } from "../src/db/connect.ts";
import { createMetric } from "../src/metrics/store.ts";
import { createTestDatabase, DB_KINDS, type MainProcess, spawnMain, type TestDatabase } from "./harness.ts";

async function startServer(db: TestDatabase, port: number): Promise<MainProcess> {
  return spawnMain(db, port, { PULSEBOARD_SYNTHETIC: "0", PULSEBOARD_SYSTEM: "0", PULSEBOARD_DEMO: "0" });
}

describe.each(DB_KINDS)("durability on %s", (kind) => {
  let db: TestDatabase | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await db?.destroy();
  });

  it("keeps every acknowledged point after kill -9 during ingest", { timeout: 120_000 }, async () => {
    db = await createTestDatabase(kind);
    const setup = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    const user = await createUser(setup.db, "writer", "pw");
    const { token } = await createApiToken(setup.db, user.id, "ingest");
    const dashboard = await createDashboard(setup.db, { name: "Durable" }, user.id);
    const metric = await createMetric(setup.db, dashboard.id, { name: "seq", type: "counter" });
    await setup.close();

    const port = await freePort();
    const first = await startServer(db, port);
    children.push(first.child);

    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    // Four writers in parallel, each batch of 5 points with unique values.
    const writer = async () => {
      while (!killed) {
        const values = Array.from({ length: 5 }, () => next++);
        try {
          const res = await fetch(`${first.url}/api/v1/ingest`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: JSON.stringify({ points: values.map((value) => ({ metric_id: metric.id, value })) }),
          });
          if (res.status === 200) for (const v of values) acked.add(v);
          else if (!killed) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    while (acked.size < 500) await new Promise((r) => setTimeout(r, 20));
    first.child.kill("SIGKILL");
    killed = true;
    await first.exited;
    expect(first.child.signalCode).toBe("SIGKILL");
    await Promise.allSettled(writers);
    expect(acked.size).toBeGreaterThanOrEqual(500);

    const second = await startServer(db, port);
    children.push(second.child);
    const res = await fetch(
      `${second.url}/api/v1/metrics/${metric.id}/values?limit=10000&from=1970-01-01T00:00:00Z`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(res.status).toBe(200);
    const stored = new Set(
      ((await res.json()) as { values: Array<{ value: number }> }).values.map((v) => v.value),
    );
    const lost = [...acked].filter((v) => !stored.has(v));
    expect(lost).toEqual([]);
    second.child.kill("SIGTERM");
    await second.exited;
  });
});
