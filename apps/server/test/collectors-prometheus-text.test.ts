// Specification of the Prometheus text-format parser and of how parsed samples become points.
import { describe, expect, it } from "vitest";
import { ExpositionParseError, parsePrometheusText } from "../src/collectors/index.ts";
import { defaultSeriesOptions, samplesToPoints } from "../src/collectors/prometheus-series.ts";

const parseError = (text: string): ExpositionParseError => {
  try {
    parsePrometheusText(text);
  } catch (e) {
    if (e instanceof ExpositionParseError) return e;
    throw e;
  }
  throw new Error("expected an ExpositionParseError");
};

describe("parsePrometheusText", () => {
  it("reads a sample without labels, TYPE or HELP as an untyped metric", () => {
    expect(parsePrometheusText("up 1\n")).toEqual([{ name: "up", family: "up", labels: {}, value: 1 }]);
  });

  it("attaches HELP and TYPE to the samples of their family", () => {
    const [s] = parsePrometheusText(
      "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.5\n",
    );
    expect(s).toMatchObject({ name: "node_load1", type: "gauge", help: "1m load average.", value: 0.5 });
  });

  it("assigns _bucket, _sum and _count samples to their histogram family", () => {
    const text = [
      "# HELP rq_seconds Request duration.",
      "# TYPE rq_seconds histogram",
      'rq_seconds_bucket{le="0.1"} 3',
      'rq_seconds_bucket{le="+Inf"} 5',
      "rq_seconds_sum 1.25",
      "rq_seconds_count 5",
    ].join("\n");
    const samples = parsePrometheusText(text);
    expect(samples.map((s) => [s.name, s.family, s.type, s.help])).toEqual([
      ["rq_seconds_bucket", "rq_seconds", "histogram", "Request duration."],
      ["rq_seconds_bucket", "rq_seconds", "histogram", "Request duration."],
      ["rq_seconds_sum", "rq_seconds", "histogram", "Request duration."],
      ["rq_seconds_count", "rq_seconds", "histogram", "Request duration."],
    ]);
    expect(samples[1]?.labels).toEqual({ le: "+Inf" });
  });

  it("assigns quantile, _sum and _count samples to their summary family", () => {
    const text = '# TYPE gc summary\ngc{quantile="0.5"} 0.01\ngc_sum 3\ngc_count 9\n';
    expect(parsePrometheusText(text).map((s) => [s.family, s.type])).toEqual([
      ["gc", "summary"],
      ["gc", "summary"],
      ["gc", "summary"],
    ]);
  });

  it("does not strip a _count suffix from a metric whose base is not a histogram or summary", () => {
    const [s] = parsePrometheusText("# TYPE jobs gauge\njobs_count 4\n");
    expect(s).toMatchObject({ name: "jobs_count", family: "jobs_count" });
    expect(s?.type).toBeUndefined();
  });

  it("unescapes quotes, backslashes and newlines in label values", () => {
    const [s] = parsePrometheusText('m{path="C:\\\\dir\\\\",msg="say \\"hi\\"\\nbye"} 1\n');
    expect(s?.labels).toEqual({ path: "C:\\dir\\", msg: 'say "hi"\nbye' });
  });

  it("keeps braces, commas, equals signs and # inside quoted label values", () => {
    const [s] = parsePrometheusText('m{q="a{b}=c,d # e"} 2\n');
    expect(s?.labels).toEqual({ q: "a{b}=c,d # e" });
    expect(s?.value).toBe(2);
  });

  it("keeps an unknown escape sequence as written", () => {
    expect(parsePrometheusText('m{a="x\\ty"} 1')[0]?.labels).toEqual({ a: "x\\ty" });
  });

  it("unescapes backslashes and newlines in HELP text", () => {
    const [s] = parsePrometheusText("# HELP m line one\\nline \\\\two\nm 1\n");
    expect(s?.help).toBe("line one\nline \\two");
  });

  it("reads NaN, +Inf and -Inf values", () => {
    const values = parsePrometheusText("a NaN\nb +Inf\nc -Inf\nd Inf\n").map((s) => s.value);
    expect(values[0]).toBeNaN();
    expect(values.slice(1)).toEqual([Infinity, -Infinity, Infinity]);
  });

  it("reads scientific notation and signed values", () => {
    expect(parsePrometheusText("a 1.5e+3\nb -2\nc .5\nd 7.\ne 1E-2\n").map((s) => s.value)).toEqual([
      1500, -2, 0.5, 7, 0.01,
    ]);
  });

  it("reads an optional millisecond timestamp, negative ones included", () => {
    const samples = parsePrometheusText("a 1 1700000000123\nb 2 -5\nc 3\n");
    expect(samples.map((s) => s.timestampMs)).toEqual([1700000000123, -5, undefined]);
  });

  it("accepts CRLF line endings, tabs, blank lines, indentation and trailing label commas", () => {
    const text = '# TYPE a counter\r\n\r\n   a{x="1",}\t3\t\r\n\tb { y = "2" } 4\r\n';
    expect(parsePrometheusText(text)).toEqual([
      { name: "a", family: "a", labels: { x: "1" }, value: 3, type: "counter" },
      { name: "b", family: "b", labels: { y: "2" }, value: 4 },
    ]);
  });

  it("ignores comments that are not HELP or TYPE", () => {
    expect(parsePrometheusText("# just a comment\n#\n# EOF\nm 1\n")).toHaveLength(1);
  });

  it("accepts metric names with colons", () => {
    expect(parsePrometheusText("job:rate5m 0.3")[0]?.name).toBe("job:rate5m");
  });

  it("keeps a label named __proto__ as an ordinary label", () => {
    const [s] = parsePrometheusText('m{__proto__="x"} 1');
    expect(Object.entries(s?.labels ?? {})).toEqual([["__proto__", "x"]]);
    expect(Object.getPrototypeOf(s?.labels)).toBe(Object.prototype);
  });

  it("returns no samples for an empty body", () => {
    expect(parsePrometheusText("")).toEqual([]);
    expect(parsePrometheusText("\n\n# only comments\n")).toEqual([]);
  });

  it("rejects an HTML page, naming the first bad line", () => {
    const e = parseError("<html>\n<body>Not found</body>\n</html>\n");
    expect(e.code).toBe("PB_ERR_EXPOSITION_PARSE");
    expect(e.line).toBe(1);
  });

  it("rejects a JSON body", () => {
    expect(parseError('{"up": 1}').code).toBe("PB_ERR_EXPOSITION_PARSE");
  });

  it("reports the line number of a bad line after good ones", () => {
    expect(parseError("a 1\nb 2\nc three\n").line).toBe(3);
  });

  it.each([
    ["an unterminated label value", 'm{a="x} 1'],
    ["a label value ending in a lone backslash", 'm{a="x\\'],
    ["an unquoted label value", "m{a=x} 1"],
    ["a label without '='", 'm{a "x"} 1'],
    ["labels without a separating comma", 'm{a="1" b="2"} 1'],
    ["a duplicate label", 'm{a="1",a="2"} 1'],
    ["an invalid label name", 'm{1a="x"} 1'],
    ["a missing value", "m"],
    ["a missing value after labels", 'm{a="1"}'],
    ["a non-numeric value", "m abc"],
    ["a hexadecimal value", "m 0x10"],
    ["a value glued to the labels", 'm{a="1"}1'],
    ["a fractional timestamp", "m 1 1.5"],
    ["a timestamp beyond safe integers", "m 1 99999999999999999999"],
    ["text after the timestamp", "m 1 2 3"],
    ["an unknown TYPE", "# TYPE m bogus\nm 1"],
    ["a TYPE without a name", "# TYPE"],
    ["a metric name starting with a digit", "9lives 1"],
  ])("rejects %s", (_what, text) => {
    expect(parseError(text).code).toBe("PB_ERR_EXPOSITION_PARSE");
  });

  it("survives a very long label value without error", () => {
    const long = "x".repeat(200_000);
    expect(parsePrometheusText(`m{a="${long}"} 1`)[0]?.labels.a).toHaveLength(200_000);
  });
});

describe("samplesToPoints", () => {
  const at = new Date("2026-01-01T00:00:00Z");
  const everything = { allow: [""], sumBy: {} };

  it("names series by sample name plus labels sorted by name", () => {
    const points = samplesToPoints(parsePrometheusText('m{z="1",a="2"} 1\nn 2\n'), everything, at);
    expect(points.map((p) => p.metric.name)).toEqual(['m{a="2",z="1"}', "n"]);
  });

  it("escapes quotes, backslashes and newlines when rendering label values", () => {
    const [p] = samplesToPoints(parsePrometheusText('m{a="q\\"b\\\\n\\n"} 1'), everything, at);
    expect(p?.metric.name).toBe('m{a="q\\"b\\\\n\\n"}');
  });

  it("drops NaN and infinite values", () => {
    const points = samplesToPoints(parsePrometheusText("a NaN\nb +Inf\nc -Inf\nd 4\n"), everything, at);
    expect(points.map((p) => [p.metric.name, p.value])).toEqual([["d", 4]]);
  });

  it("maps counters to counter, gauges and untyped to gauge, histogram and summary parts sensibly", () => {
    const text = [
      "# TYPE c_total counter",
      "c_total 1",
      "# TYPE g gauge",
      "g 1",
      "u 1",
      "# TYPE h histogram",
      'h_bucket{le="1"} 1',
      "h_sum 1",
      "h_count 1",
      "# TYPE s summary",
      's{quantile="0.9"} 1',
      "s_count 1",
    ].join("\n");
    const types = samplesToPoints(parsePrometheusText(text), everything, at).map((p) => [
      p.metric.name,
      p.metric.type,
    ]);
    expect(types).toEqual([
      ["c_total", "counter"],
      ["g", "gauge"],
      ["u", "gauge"],
      ['h_bucket{le="1"}', "counter"],
      ["h_sum", "counter"],
      ["h_count", "counter"],
      ['s{quantile="0.9"}', "gauge"],
      ["s_count", "counter"],
    ]);
  });

  it("derives units from the naming convention and uses HELP as the description", () => {
    const text =
      "# HELP node_memory_MemTotal_bytes Memory total.\nnode_memory_MemTotal_bytes 8\nx_seconds_total 1\nplain 1";
    const points = samplesToPoints(parsePrometheusText(text), everything, at);
    expect(points.map((p) => [p.metric.unit, p.metric.description])).toEqual([
      ["B", "Memory total."],
      ["s", ""],
      ["", ""],
    ]);
  });

  it("keeps only the default allow-list of node-exporter series", () => {
    const text = [
      "node_load1 0.1",
      "node_memory_MemAvailable_bytes 5",
      "node_memory_Cached_bytes 1",
      'node_network_receive_bytes_total{device="eth0"} 10',
      'node_network_receive_packets_total{device="eth0"} 3',
      "node_boot_time_seconds 1",
      "go_goroutines 7",
    ].join("\n");
    const names = samplesToPoints(parsePrometheusText(text), defaultSeriesOptions, at).map(
      (p) => p.metric.name,
    );
    expect(names).toEqual([
      "node_load1",
      "node_memory_MemAvailable_bytes",
      'node_network_receive_bytes_total{device="eth0"}',
    ]);
  });

  it("sums node_cpu_seconds_total over CPUs, one series per mode", () => {
    const text = [
      'node_cpu_seconds_total{cpu="0",mode="idle"} 100',
      'node_cpu_seconds_total{cpu="1",mode="idle"} 50',
      'node_cpu_seconds_total{cpu="0",mode="user"} 7',
      'node_cpu_seconds_total{cpu="1",mode="user"} NaN',
    ].join("\n");
    const points = samplesToPoints(parsePrometheusText(text), defaultSeriesOptions, at);
    expect(points.map((p) => [p.metric.name, p.value])).toEqual([
      ['node_cpu_seconds_total{mode="idle"}', 150],
      ['node_cpu_seconds_total{mode="user"}', 7],
    ]);
  });

  it("uses the sample's own timestamp when it has one, the scrape time otherwise", () => {
    const text = "a 1 1700000000000\nb 2\nc 3 99999999999999\n";
    const times = samplesToPoints(parsePrometheusText(text), everything, at).map((p) =>
      p.timestamp?.toISOString(),
    );
    expect(times).toEqual(["2023-11-14T22:13:20.000Z", at.toISOString(), "5138-11-16T09:46:39.999Z"]);
  });

  it("keeps the last of two samples of the same series", () => {
    const points = samplesToPoints(parsePrometheusText('m{a="1"} 1\nm{a="1"} 2\n'), everything, at);
    expect(points.map((p) => p.value)).toEqual([2]);
  });
});
