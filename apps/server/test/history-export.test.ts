// Specifications of reading history (range, limit, downsampling) and of CSV/JSON export,
// including hostile names that must round-trip safely.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, type Session, startTestApp, type TestApp } from "./harness.ts";

const T0 = Date.UTC(2026, 0, 1);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A minimal RFC 4180 reader, to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

describe.each(DB_KINDS)("history and export on %s", (kind) => {
  let t: TestApp;
  let s: Session;
  let token: string;
  let dash: { id: number; slug: string };
  let metric: number;

  beforeAll(async () => {
    t = await startTestApp(kind);
    await t.createUser("hana", "pw");
    s = await t.login("hana", "pw");
    token = await t.createToken("hana");
    dash = (await t.api("POST", "/api/v1/dashboards", { session: s, body: { name: "History" } })).body;
    metric = (
      await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
        session: s,
        body: { name: "temp", type: "gauge", unit: "C" },
      })
    ).body.id;
    // 1000 points, one per second: value = second index.
    const points = Array.from({ length: 1000 }, (_, i) => ({
      metric_id: metric,
      value: i,
      timestamp: at(i),
    }));
    expect((await t.api("POST", "/api/v1/ingest", { token, body: { points } })).status).toBe(200);
  });
  afterAll(() => t?.close());

  it("returns the newest `limit` values, oldest first, without a range", async () => {
    const res = await t.api("GET", `/api/v1/metrics/${metric}/values?limit=3`, { token });
    expect(res.body).toEqual({
      metric_id: metric,
      values: [997, 998, 999].map((v) => ({ value: v, timestamp: at(v) })),
    });
  });

  it("returns values inside [from, to] in time order", async () => {
    const res = await t.api("GET", `/api/v1/metrics/${metric}/values?from=${at(10)}&to=${at(14)}`, { token });
    expect(res.body.values.map((v: { value: number }) => v.value)).toEqual([10, 11, 12, 13, 14]);
  });

  it("defaults to 1000 values and refuses a limit over 10,000 or a malformed date", async () => {
    expect((await t.api("GET", `/api/v1/metrics/${metric}/values`, { token })).body.values).toHaveLength(
      1000,
    );
    const big = await t.api("GET", `/api/v1/metrics/${metric}/values?limit=10001`, { token });
    expect(big.status).toBe(400);
    expect(big.body.error.details[0].loc).toEqual(["query", "limit"]);
    expect((await t.api("GET", `/api/v1/metrics/${metric}/values?from=yesterday`, { token })).status).toBe(
      400,
    );
  });

  it("downsamples a long range into at most `points` buckets with avg/min/max/count", async () => {
    const res = await t.api(
      "GET",
      `/api/v1/metrics/${metric}/values?from=${at(0)}&to=${at(1000)}&points=10`,
      { token },
    );
    const values = res.body.values as Array<{
      value: number;
      timestamp: string;
      min: number;
      max: number;
      count: number;
    }>;
    expect(values).toHaveLength(10);
    expect(values[0]).toEqual({ value: 49.5, timestamp: at(0), min: 0, max: 99, count: 100 });
    expect(values[9]).toEqual({ value: 949.5, timestamp: at(900), min: 900, max: 999, count: 100 });
    expect(values.reduce((n, v) => n + v.count, 0)).toBe(1000);
  });

  it("returns raw points (count 1) when the range holds fewer points than buckets", async () => {
    const res = await t.api("GET", `/api/v1/metrics/${metric}/values?from=${at(0)}&to=${at(2)}&points=50`, {
      token,
    });
    expect(res.body.values).toEqual(
      [0, 1, 2].map((v) => ({ value: v, timestamp: at(v), min: v, max: v, count: 1 })),
    );
  });

  it("exports CSV with a header and one row per value, as a download", async () => {
    const res = await fetch(
      `${t.url}/api/v1/dashboards/${dash.id}/export?format=csv&from=${at(0)}&to=${at(1)}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${dash.slug}-export.csv"`);
    expect(await res.text()).toBe(
      `metric_id,metric_name,unit,timestamp,value\r\n${metric},temp,C,${at(0)},0\r\n${metric},temp,C,${at(1)},1\r\n`,
    );
  });

  it("exports JSON with the dashboard and each metric's values", async () => {
    const res = await t.api(
      "GET",
      `/api/v1/dashboards/${dash.id}/export?format=json&metric_id=${metric}&from=${at(5)}&to=${at(6)}`,
      { token },
    );
    expect(res.headers.get("content-disposition")).toContain(".json");
    expect(res.body.dashboard).toMatchObject({ id: dash.id, name: "History" });
    expect(res.body.metrics).toEqual([
      {
        id: metric,
        dashboard_id: dash.id,
        name: "temp",
        description: "",
        type: "gauge",
        unit: "C",
        values: [
          { value: 5, timestamp: at(5) },
          { value: 6, timestamp: at(6) },
        ],
      },
    ]);
  });

  it("exports every value of a long history, across pages", async () => {
    const res = await t.api("GET", `/api/v1/dashboards/${dash.id}/export?format=json`, { token });
    expect(res.body.metrics[0].values).toHaveLength(1000);
    const csv = parseCsv(
      (await t.api("GET", `/api/v1/dashboards/${dash.id}/export?format=csv`, { token })).text,
    );
    expect(csv).toHaveLength(1001);
  });

  it("refuses an unknown format and a metric of another dashboard", async () => {
    expect((await t.api("GET", `/api/v1/dashboards/${dash.id}/export?format=xlsx`, { token })).status).toBe(
      400,
    );
    expect(
      (await t.api("GET", `/api/v1/dashboards/${dash.id}/export?metric_id=999999`, { token })).status,
    ).toBe(404);
  });

  describe("hostile strings", () => {
    const hostile = [
      '=HYPERLINK("http://evil","click")',
      "+1+2",
      "-2+3",
      "@SUM(A1)",
      'quote " and, comma',
      "line\nbreak\r\nand CR",
      "<script>alert(1)</script>",
      "🙂 ünïcødé ‮ bidi",
    ];
    let ids: number[];
    beforeAll(async () => {
      ids = [];
      for (const [i, name] of hostile.entries()) {
        const res = await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
          session: s,
          body: { name, type: "gauge", unit: i % 2 ? "=cmd|' /C calc'!A0" : name.slice(0, 40) },
        });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      await t.api("POST", "/api/v1/ingest", {
        token,
        body: { points: ids.map((id) => ({ metric_id: id, value: -1.5, timestamp: at(0) })) },
      });
    });

    it("with a NUL character are refused with 400 (PostgreSQL cannot store them)", async () => {
      const res = await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
        session: s,
        body: { name: "nul\u0000byte", type: "gauge" },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].loc).toEqual(["body", "name"]);
    });

    it("round-trip through the JSON export byte for byte", async () => {
      const res = await t.api("GET", `/api/v1/dashboards/${dash.id}/export?format=json&to=${at(0)}`, {
        token,
      });
      const names = res.body.metrics
        .filter((m: { id: number }) => ids.includes(m.id))
        .map((m: { name: string }) => m.name);
      expect(names).toEqual(hostile);
    });

    it("are quoted and formula-guarded in the CSV export, never executed", async () => {
      const res = await t.api("GET", `/api/v1/dashboards/${dash.id}/export?format=csv&to=${at(0)}`, {
        token,
      });
      const rows = parseCsv(res.text)
        .slice(1)
        .filter((r) => ids.includes(Number(r[0])));
      expect(rows).toHaveLength(hostile.length);
      for (const [i, row] of rows.entries()) {
        expect(row).toHaveLength(5);
        const name = hostile[i]!;
        expect(row[1]).toBe(/^[=+\-@]/.test(name) ? `'${name}` : name);
        for (const text of [row[1]!, row[2]!]) expect(text).not.toMatch(/^[=+\-@\t\r]/);
        // numbers stay numbers: a negative value is not mangled by the formula guard
        expect(row[4]).toBe("-1.5");
      }
    });
  });
});
