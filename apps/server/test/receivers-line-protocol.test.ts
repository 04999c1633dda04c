// Specification of the InfluxDB line-protocol receiver: the official @influxdata/influxdb-client
// writes through /api/v2/write (Token auth, gzip, bucket = dashboard slug), and plain text
// exercises every escaping rule, precision, the v1 /write path and refusals by line number.
import { HttpError, InfluxDB, Point, setLogger } from "@influxdata/influxdb-client";
import { Communicator } from "@pulseboard/channels/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, dashboardPoints, startTestApp, type TestApp } from "./harness.ts";

// The client logs every failed write to the console; the specs read the errors themselves.
setLogger({ error: () => {}, warn: () => {} });

describe.each(DB_KINDS)("line protocol on %s", (kind) => {
  let t: TestApp;
  let token: string;
  let viewerToken: string;
  let dash: number;

  const series = async (dashboardId = dash) =>
    (await dashboardPoints(t, dashboardId)).map(({ name, type, value, timestamp }) => ({
      name,
      type,
      value,
      timestamp,
    }));
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=utf-8", authorization: `Token ${token}`, ...headers },
      body,
    });
  const newDashboard = async (name: string, slug: string) => {
    const session = await t.login("lena", "pw");
    return (await t.api("POST", "/api/v1/dashboards", { session, body: { name, slug } })).body.id as number;
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    await t.createUser("lena", "pw");
    await t.createUser("vik", "pw");
    const session = await t.login("lena", "pw");
    token = await t.createToken("lena", "telegraf");
    viewerToken = await t.createToken("vik");
    dash = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Hosts", slug: "hosts" } }))
      .body.id;
    await t.addMember(dash, "vik", "viewer", { session });
  });
  afterAll(() => t?.close());

  it("stores what the official Influx client writes (Token auth, gzip, bucket = dashboard) and streams it live", async () => {
    const live = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    await live.assertAuthenticated();
    await live.receive("dashboard_config");
    const writeApi = new InfluxDB({ url: t.url, token }).getWriteApi("any-org", "hosts", "ms", {
      maxRetries: 0,
      batchSize: 1000,
    });
    const at = Date.now() - 60_000;
    // 200 points: well over the client's 1,000-byte gzip threshold.
    for (let i = 0; i < 100; i++) {
      writeApi.writePoint(
        new Point("cpu")
          .tag("host", `web-${i % 2}`)
          .tag("cpu", "cpu-total")
          .floatField("usage_idle", 90 + i / 100)
          .intField("procs", i)
          .booleanField("healthy", i % 2 === 0)
          .stringField("note", "strings are skipped")
          .timestamp(new Date(at + i)),
      );
    }
    await writeApi.close();
    const rows = await series();
    expect(rows).toHaveLength(300);
    expect(new Set(rows.map((r) => r.name))).toEqual(
      new Set(
        ["web-0", "web-1"].flatMap((h) =>
          ["usage_idle", "procs", "healthy"].map((f) => `cpu_${f}{cpu="cpu-total",host="${h}"}`),
        ),
      ),
    );
    expect(rows.find((r) => r.name === 'cpu_usage_idle{cpu="cpu-total",host="web-1"}')).toMatchObject({
      value: 90.01,
      timestamp: at + 1,
    });
    expect(
      rows
        .filter((r) => r.name.startsWith("cpu_healthy"))
        .map((r) => r.value)
        .slice(0, 2),
    ).toEqual([1, 0]);
    const config = await live.receive("dashboard_config", 5000);
    expect((config.payload as { metrics: unknown[] }).metrics).toHaveLength(6);
    await live.close();
  });

  it("applies every escaping rule of the line protocol in plain text, with comments and blank lines", async () => {
    const id = await newDashboard("Escapes", "escapes");
    const body = [
      "# a comment line, then a blank one",
      "",
      "weather,location=us\\,midwest,station\\ id=a\\=1 temperature=82,humid\\,ity=71i 1465839830100400200",
      'my\\ measure,path=C:\\dir\\sub,quote=say"hi" field\\=key=1.5,text="with \\"quotes\\", commas and = signs" 1465839830100400200',
      "  disk.io,dev=sda value=-1.25e3 1465839830100400200\r",
      "flags ok=T,bad=false,u=42u 1465839830100400200",
    ].join("\n");
    const res = await post("/api/v2/write?bucket=escapes", body);
    expect(res.status).toBe(204);
    const rows = await series(id);
    const at = 1465839830100;
    expect(rows.map((r) => [r.name, r.value, r.timestamp])).toEqual([
      ['weather_temperature{location="us,midwest",station_id="a=1"}', 82, at],
      ['weather_humid_ity{location="us,midwest",station_id="a=1"}', 71, at],
      ['my_measure_field_key{path="C:\\\\dir\\\\sub",quote="say\\"hi\\""}', 1.5, at],
      ['disk_io{dev="sda"}', -1250, at],
      ["flags_ok", 1, at],
      ["flags_bad", 0, at],
      ["flags_u", 42, at],
    ]);
  });

  it.each([
    ["ns", "1700000000123456789", 1700000000123],
    ["us", "1700000000123456", 1700000000123],
    ["ms", "1700000000123", 1700000000123],
    ["s", "1700000000", 1700000000000],
  ])("reads timestamps with precision=%s", async (precision, raw, ms) => {
    const id = await newDashboard(`Precision ${precision}`, `precision-${precision}`);
    const res = await post(
      `/api/v2/write?bucket=precision-${precision}&precision=${precision}`,
      `m v=1 ${raw}\n`,
    );
    expect(res.status).toBe(204);
    expect((await series(id)).map((r) => r.timestamp)).toEqual([ms]);
  });

  it("stamps points without a timestamp with the time of arrival", async () => {
    const id = await newDashboard("Now", "now");
    const before = Date.now();
    expect((await post("/api/v2/write?dashboard=now", "m v=1\n")).status).toBe(204);
    const [row] = await series(id);
    expect(row!.timestamp).toBeGreaterThanOrEqual(before);
    expect(row!.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it("accepts the InfluxDB 1 path /write?db= with Basic auth (token as password)", async () => {
    const id = await newDashboard("V1", "v1");
    const res = await post("/write?db=v1&precision=s", "mem,host=a used=5 1700000000\n", {
      authorization: `Basic ${Buffer.from(`lena:${token}`).toString("base64")}`,
    });
    expect(res.status).toBe(204);
    expect((await series(id)).map((r) => [r.name, r.value, r.timestamp])).toEqual([
      ['mem_used{host="a"}', 5, 1700000000000],
    ]);
  });

  it("refuses a body with syntax errors, naming each bad line, and stores none of it", async () => {
    const before = (await series()).length;
    const body = ["good v=1", "bad v=", "good v=2", "missing_fields", 'str v="open', "m v=1 12x"].join("\n");
    const res = await post("/api/v2/write?bucket=hosts", body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as {
      code: string;
      message: string;
      line: number;
      error: { code: string; details: Array<{ loc: unknown[]; msg: string }> };
    };
    expect(answer.code).toBe("invalid");
    expect(answer.line).toBe(2);
    expect(answer.error.code).toBe("PB_ERR_VALIDATION");
    expect(answer.error.details.map((d) => d.loc)).toEqual([
      ["body", "line", 2],
      ["body", "line", 4],
      ["body", "line", 5],
      ["body", "line", 6],
    ]);
    expect(answer.error.details[0]!.msg).toBe("line 2: missing field value");
    expect(answer.error.details[3]!.msg).toContain('invalid timestamp "12x"');
    expect((await series()).length).toBe(before);
  });

  it("surfaces the refusal through the official client as an HttpError with our message", async () => {
    const writeApi = new InfluxDB({ url: t.url, token }).getWriteApi("org", "no-such-dashboard", "ms", {
      maxRetries: 0,
    });
    writeApi.writePoint(new Point("m").floatField("v", 1));
    const error = await writeApi.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).statusCode).toBe(404);
    expect((error as HttpError).message).toContain("Dashboard not found");
  });

  it("answers the Influx clients' liveness check GET /ping with 204", async () => {
    const res = await fetch(`${t.url}/ping`);
    expect(res.status).toBe(204);
  });

  it("refuses writers without a valid token (401) and viewers of the dashboard (403)", async () => {
    expect((await post("/api/v2/write?bucket=hosts", "m v=1", { authorization: "" })).status).toBe(401);
    expect(
      (await post("/api/v2/write?bucket=hosts", "m v=1", { authorization: "Token pbt_forged" })).status,
    ).toBe(401);
    expect(
      (await post("/api/v2/write?bucket=hosts", "m v=1", { authorization: `Token ${viewerToken}` })).status,
    ).toBe(403);
    expect((await post("/api/v2/write", "m v=1")).status).toBe(400);
    expect((await post("/api/v2/write?bucket=hosts&precision=fortnights", "m v=1")).status).toBe(400);
  });
});
