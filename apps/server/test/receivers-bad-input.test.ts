// Specification of bad input to the receivers: for each protocol, malformed bodies and invalid
// samples (names, labels, NaN and ±Inf, timestamps, limits) refuse the WHOLE request with a
// clear 400 (or 413) and store nothing of it; the series cardinality limit answers a clear 400.
import { gzipSync } from "node:zlib";
import {
  REMOTE_WRITE_HEADERS,
  remoteWriteBody,
  snappyBlock,
  type WriteSeries,
  writeRequestProtobuf,
} from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardPoints, startTestApp, type TestApp } from "./harness.ts";

type ErrorBody = {
  error: { code: string; message: string; details?: Array<{ type: string; loc: unknown[]; msg: string }> };
};

describe("bad input to the receivers", () => {
  let t: TestApp;
  let token: string;
  let dash: number;
  const now = Date.now();

  const counts = async () => {
    const metrics = await t.pb.db
      .selectFrom("metrics")
      .select("id")
      .where("dashboard_id", "=", dash)
      .execute();
    const values = await dashboardPoints(t, dash);
    return { metrics: metrics.length, values: values.length };
  };
  const send = async (path: string, body: Buffer | string, headers: Record<string, string>) => {
    const res = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, ...headers },
      body: typeof body === "string" ? body : new Uint8Array(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as ErrorBody };
  };
  const remoteWrite = (body: Buffer, headers: Record<string, string> = {}) =>
    send("/api/v1/write?dashboard=bad", body, { ...REMOTE_WRITE_HEADERS, ...headers });
  const lineProtocol = (body: string | Buffer, headers: Record<string, string> = {}) =>
    send("/api/v2/write?bucket=bad&precision=ms", body, { "content-type": "text/plain", ...headers });
  const otlpJson = (body: unknown) =>
    send("/v1/metrics?dashboard=bad", typeof body === "string" ? body : JSON.stringify(body), {
      "content-type": "application/json",
    });
  const good: WriteSeries = { labels: { __name__: "good_total", job: "x" }, samples: [[1, now]] };

  /** Sends a request that must be refused whole, and checks nothing of it was stored. */
  async function refused(
    request: Promise<{ status: number; body: ErrorBody }>,
    status: number,
    message: RegExp,
  ): Promise<ErrorBody> {
    const before = await counts();
    const res = await request;
    expect(res.status).toBe(status);
    const text = [res.body.error.message, ...(res.body.error.details ?? []).map((d) => d.msg)].join("\n");
    expect(text).toMatch(message);
    expect(await counts()).toEqual(before);
    return res.body;
  }

  beforeAll(async () => {
    t = await startTestApp("sqlite", { config: { maxSeriesPerDashboard: 20, maxDecodedBytes: 64 * 1024 } });
    await t.createUser("bea", "pw");
    const session = await t.login("bea", "pw");
    token = await t.createToken("bea");
    dash = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Bad", slug: "bad" } })).body
      .id;
  });
  afterAll(() => t?.close());

  describe("remote_write", () => {
    it("refuses a body that is not snappy", async () => {
      await refused(remoteWrite(Buffer.from("definitely not snappy \x00\xff")), 400, /not valid snappy/);
    });

    it("refuses valid snappy around bytes that are not a WriteRequest", async () => {
      await refused(
        remoteWrite(snappyBlock(Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02]))),
        400,
        /not a valid remote_write WriteRequest/,
      );
      const truncated = writeRequestProtobuf([good]).subarray(0, 10);
      await refused(remoteWrite(snappyBlock(truncated)), 400, /WriteRequest/);
    });

    it("refuses a body whose decompressed size is over the limit (413)", async () => {
      const huge = remoteWriteBody([
        { labels: { __name__: "big", pad: "x".repeat(100_000) }, samples: [[1, now]] },
      ]);
      await refused(remoteWrite(huge), 413, /larger than 65536 bytes/);
    });

    it("refuses another Content-Encoding", async () => {
      await refused(
        remoteWrite(writeRequestProtobuf([good]), { "content-encoding": "identity" }),
        400,
        /snappy/,
      );
    });

    it.each<[string, WriteSeries, RegExp]>([
      [
        "an invalid metric name",
        { labels: { __name__: "bad-name" }, samples: [[1, now]] },
        /invalid metric name "bad-name"/,
      ],
      [
        "an invalid label name",
        { labels: { __name__: "m", "bad-label": "v" }, samples: [[1, now]] },
        /invalid label name "bad-label"/,
      ],
      [
        "a reserved label name",
        { labels: { __name__: "m", __meta: "v" }, samples: [[1, now]] },
        /invalid label name "__meta"/,
      ],
      [
        "a too long metric name",
        { labels: { __name__: "m".repeat(201) }, samples: [[1, now]] },
        /longer than 200/,
      ],
      [
        "a too long label name",
        { labels: { __name__: "m", ["l".repeat(129)]: "v" }, samples: [[1, now]] },
        /longer than 128/,
      ],
      [
        "a too long label value",
        { labels: { __name__: "m", l: "v".repeat(513) }, samples: [[1, now]] },
        /longer than 512/,
      ],
      [
        "too many labels",
        {
          labels: {
            __name__: "m",
            ...Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, "v"])),
          },
          samples: [[1, now]],
        },
        /33 labels on "m", at most 32/,
      ],
      ["a NaN value", { labels: { __name__: "m" }, samples: [[Number.NaN, now]] }, /is NaN/],
      [
        "a +Inf value",
        { labels: { __name__: "m" }, samples: [[Number.POSITIVE_INFINITY, now]] },
        /is Infinity/,
      ],
      [
        "a -Inf value",
        { labels: { __name__: "m" }, samples: [[Number.NEGATIVE_INFINITY, now]] },
        /is -Infinity/,
      ],
      ["a timestamp before 1970", { labels: { __name__: "m" }, samples: [[1, -5]] }, /before 1970/],
      [
        "a timestamp far in the future",
        { labels: { __name__: "m" }, samples: [[1, now + 3600_000]] },
        /ahead of the server's clock/,
      ],
      ["a series without __name__", { labels: { job: "x" }, samples: [[1, now]] }, /no __name__/],
    ])("refuses the whole request for %s", async (_what, bad, message) => {
      const body = await refused(remoteWrite(remoteWriteBody([good, bad])), 400, message);
      expect(body.error.code).toMatch(/PB_ERR_(VALIDATION|BAD_REQUEST)/);
    });

    it("takes a stale marker as the end of a series: accepted, nothing stored for it", async () => {
      const before = await counts();
      const res = await remoteWrite(
        remoteWriteBody([{ labels: { __name__: "ended" }, samples: [["stale", now]] }]),
      );
      expect(res.status).toBe(204);
      expect(await counts()).toEqual(before);
    });
  });

  describe("line protocol", () => {
    it.each<[string, string, RegExp]>([
      ["NaN", "m v=NaN", /line 2: invalid field value "NaN"/],
      ["Inf", "m v=+Inf", /line 2: invalid field value "\+Inf"/],
      ["a float overflowing to Infinity", "m v=1e999", /is Infinity/],
      ["a too long tag value", `m,host=${"h".repeat(513)} v=1`, /longer than 512/],
      ["too many tags", `m,${Array.from({ length: 33 }, (_, i) => `t${i}=v`).join(",")} v=1`, /33 labels/],
      ["a reserved tag key", "m,__name__=x v=1", /invalid label name "__name__"/],
      ["a timestamp far in the future", `m v=1 ${now + 3600_000}`, /ahead of the server's clock/],
      ["a missing measurement", ",t=1 v=1", /line 2: missing measurement/],
      ["a tag without a value", "m,t= v=1", /line 2: missing value of tag "t"/],
      ["a bad integer", "m v=12.5i", /line 2: invalid integer field value "12.5i"/],
      ["trailing garbage", "m v=1 123 456", /line 2: invalid timestamp "123 456"/],
    ])("refuses %s, and the good lines with it", async (_what, bad, message) => {
      await refused(lineProtocol(`good v=1 ${now}\n${bad}\n`), 400, message);
    });

    it("names the line of the error", async () => {
      const body = await refused(lineProtocol(`a v=1\nb v=2\nc v=\n`), 400, /line 3/);
      expect(body.error.details?.[0]?.loc).toEqual(["body", "line", 3]);
    });

    it("refuses a gzip body that is not gzip", async () => {
      await refused(
        lineProtocol(Buffer.from("m v=1"), { "content-encoding": "gzip" }),
        400,
        /not valid gzip/,
      );
    });

    it("accepts the same body gzipped", async () => {
      const res = await lineProtocol(gzipSync(`gz v=1 ${now}\n`), { "content-encoding": "gzip" });
      expect(res.status).toBe(204);
    });
  });

  describe("OTLP", () => {
    const gauge = (value: unknown, attributes: unknown[] = []) => ({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "g",
                  gauge: { dataPoints: [{ asDouble: value, timeUnixNano: String(now * 1e6), attributes }] },
                },
              ],
            },
          ],
        },
      ],
    });

    it("refuses protobuf that is not an ExportMetricsServiceRequest", async () => {
      await refused(
        send("/v1/metrics?dashboard=bad", Buffer.from([0x0a, 0x05, 0x12, 0xff, 0xff]), {
          "content-type": "application/x-protobuf",
        }),
        400,
        /not a valid OTLP ExportMetricsServiceRequest/,
      );
    });

    it("refuses malformed JSON and JSON of the wrong shape", async () => {
      await refused(otlpJson("{not json"), 400, /Malformed request body/);
      await refused(otlpJson({ resourceMetrics: "nope" }), 400, /OTLP\/JSON/);
      await refused(otlpJson([1, 2]), 400, /JSON ExportMetricsServiceRequest object/);
    });

    it.each<[string, unknown, RegExp]>([
      ["NaN", "NaN", /is NaN/],
      ["Infinity", "Infinity", /is Infinity/],
    ])("refuses a %s value", async (_what, value, message) => {
      await refused(otlpJson(gauge(value)), 400, message);
    });

    it("refuses an attribute value that is too long", async () => {
      await refused(
        otlpJson(gauge(1, [{ key: "k", value: { stringValue: "v".repeat(600) } }])),
        400,
        /longer than 512/,
      );
    });

    it("refuses another Content-Type", async () => {
      await refused(
        send("/v1/metrics?dashboard=bad", "{}", { "content-type": "text/plain" }),
        400,
        /application\/x-protobuf or application\/json/,
      );
    });
  });

  describe("dashboards", () => {
    it("answers 404 to a non-member for any body, valid or not, as for a dashboard that does not exist", async () => {
      await t.createUser("eve", "pw");
      const eve = await t.createToken("eve");
      for (const path of ["/api/v2/write?bucket=bad", "/api/v2/write?bucket=nope"])
        for (const body of ["m v=1", "garbage"]) {
          const res = await fetch(`${t.url}${path}`, {
            method: "POST",
            headers: { authorization: `Token ${eve}` },
            body,
          });
          expect(res.status, `${path} ${body}`).toBe(404);
        }
    });
  });

  describe("series cardinality", () => {
    it("refuses a request that would take the dashboard past its series limit, and keeps the existing series working", async () => {
      const first = Array.from({ length: 15 }, (_, i) => `card,i=${i} v=1 ${now}`).join("\n");
      expect((await lineProtocol(first)).status).toBe(204);
      const { metrics } = await counts();
      const more = Array.from({ length: 30 }, (_, i) => `card,i=${100 + i} v=1 ${now}`).join("\n");
      const body = await refused(lineProtocol(more), 400, /limit is 20/);
      expect(body.error.details?.[0]?.type).toBe("too_many_series");
      expect((await counts()).metrics).toBe(metrics);
      expect((await lineProtocol(`card,i=1 v=2 ${now + 1}`)).status).toBe(204);
    });
  });
});
