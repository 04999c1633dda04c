// Specification of Prometheus scraping, against Debian's real node-exporter and against
// small real HTTP servers that misbehave on purpose.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort, type NodeExporterHandle, startNodeExporter } from "@pulseboard/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type CollectedPoint,
  CollectorConfigError,
  type ScrapeError,
  startPrometheusScrape,
} from "../src/collectors/index.ts";
import { targetUrl } from "../src/collectors/prometheus-scrape.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const scrapes: Array<{ stop(): Promise<void> }> = [];

/** A real HTTP server on 127.0.0.1 whose behaviour the test can switch while it runs. */
async function serve(handler: Handler, port = 0) {
  const state = { handler };
  const server = createServer((req, res) => state.handler(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  const set = (h: Handler) => {
    state.handler = h;
  };
  return { url, set };
}

const text =
  (body: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(body);
  };

function scrape(opts: Partial<Parameters<typeof startPrometheusScrape>[0]> & { targets: string[] }) {
  const batches: Array<{ target: string; batch: CollectedPoint[] }> = [];
  const errors: ScrapeError[] = [];
  const handle = startPrometheusScrape({
    intervalMs: 100,
    allow: [""],
    sink: async (target, batch) => void batches.push({ target, batch }),
    onError: (e) => void errors.push(e as ScrapeError),
    ...opts,
  });
  scrapes.push(handle);
  return { batches, errors, stop: () => handle.stop() };
}

afterEach(async () => {
  await Promise.all(scrapes.splice(0).map((s) => s.stop()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

describe("scraping a real prometheus-node-exporter", () => {
  let exporter: NodeExporterHandle;
  beforeAll(async () => {
    exporter = await startNodeExporter(); // throws with an apt-get hint when it is not installed
  });
  afterAll(async () => {
    await exporter?.stop();
  });

  it("yields the default subset: load, memory, CPU per mode and network bytes", async () => {
    const s = scrape({ targets: [exporter.url], intervalMs: 1000, allow: undefined });
    await waitFor("a scrape", () => s.batches.length > 0);
    await s.stop();
    expect(s.errors).toEqual([]);
    const [{ target, batch } = { target: "", batch: [] }] = s.batches;
    expect(target).toBe(exporter.url);
    const byName = new Map(batch.map((p) => [p.metric.name, p]));
    expect(byName.get("node_load1")?.metric).toMatchObject({ type: "gauge", unit: "" });
    expect(byName.get("node_memory_MemTotal_bytes")?.metric).toMatchObject({ type: "gauge", unit: "B" });
    expect(byName.get("node_memory_MemTotal_bytes")?.value).toBeGreaterThan(0);
    expect(byName.get('node_cpu_seconds_total{mode="idle"}')?.metric).toMatchObject({
      type: "counter",
      unit: "s",
    });
    expect([...byName.keys()].some((n) => n.includes("cpu="))).toBe(false);
    expect(
      [...byName.keys()].some((n) => /^node_network_receive_bytes_total\{device="[^"]+"\}$/.test(n)),
    ).toBe(true);
    expect([...byName.keys()].some((n) => n.startsWith("node_network_transmit_bytes_total{"))).toBe(true);
    expect(batch.length).toBeLessThan(100);
    expect(batch.every((p) => Number.isFinite(p.value) && p.timestamp instanceof Date)).toBe(true);
    expect(byName.get("node_load1")?.metric.description).toMatch(/load/i);
  });

  it("parses the full node-exporter exposition without error when everything is allowed", async () => {
    const s = scrape({ targets: [exporter.url], intervalMs: 1000, allow: [""], maxSeries: 100_000 });
    await waitFor("a scrape", () => s.batches.length > 0 || s.errors.length > 0);
    await s.stop();
    expect(s.errors).toEqual([]);
    expect(s.batches[0]?.batch.length).toBeGreaterThan(100);
  });

  it("reports too many series instead of flooding the sink", async () => {
    const s = scrape({ targets: [exporter.url], intervalMs: 1000, allow: [""], maxSeries: 5 });
    await waitFor("an error", () => s.errors.length > 0);
    await s.stop();
    expect(s.batches).toEqual([]);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_TOO_MANY_SERIES", target: exporter.url });
  });

  it("accepts a bare host:port target as http://host:port/metrics", async () => {
    const s = scrape({
      targets: [`127.0.0.1:${exporter.port}`],
      intervalMs: 1000,
      allow: ["node_memory_MemTotal"],
    });
    await waitFor("a scrape", () => s.batches.length > 0);
    expect(s.batches[0]?.target).toBe(`127.0.0.1:${exporter.port}`);
    expect(s.batches[0]?.batch.map((p) => p.metric.name)).toEqual(["node_memory_MemTotal_bytes"]);
  });
});

describe("scrape failures", () => {
  it("reports a target that is down, keeps trying, and recovers when it comes up", async () => {
    const port = await freePort();
    const target = `http://127.0.0.1:${port}/metrics`;
    const s = scrape({ targets: [target] });
    await waitFor("two failed scrapes", () => s.errors.length >= 2);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_UNREACHABLE", target, failure: "unreachable" });
    expect(s.errors[0]?.message).toContain("ECONNREFUSED");
    expect(s.batches).toEqual([]);

    await serve(text("up 1\n"), port);
    await waitFor("a scrape after recovery", () => s.batches.length > 0);
    expect(s.batches[0]?.batch.map((p) => [p.metric.name, p.value])).toEqual([["up", 1]]);
  });

  it("reports a garbage body as a parse error, keeps going, and recovers when the body is fixed", async () => {
    const server = await serve(text("<html><body>Bad gateway</body></html>\n"));
    const s = scrape({ targets: [server.url] });
    await waitFor("two failed scrapes", () => s.errors.length >= 2);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_PARSE", target: server.url });
    expect(s.errors[0]?.message).toContain("line 1");
    server.set(text('# TYPE jobs gauge\njobs{queue="a"} 3\n'));
    await waitFor("a good scrape", () => s.batches.length > 0);
    expect(s.batches[0]?.batch.map((p) => [p.metric.name, p.value])).toEqual([['jobs{queue="a"}', 3]]);
  });

  it("reports an HTTP error status", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503);
      res.end("up 1\n");
    });
    const s = scrape({ targets: [server.url] });
    await waitFor("a failed scrape", () => s.errors.length > 0);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_HTTP_STATUS" });
    expect(s.errors[0]?.message).toContain("503");
    expect(s.batches).toEqual([]);
  });

  it("refuses a streamed body larger than maxBytes", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      for (let i = 0; i < 100; i++) res.write(`m${i} ${i}\n`.padEnd(100, " "));
      res.end();
    });
    const s = scrape({ targets: [server.url], maxBytes: 1000 });
    await waitFor("a failed scrape", () => s.errors.length > 0);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_TOO_LARGE" });
    expect(s.batches).toEqual([]);
  });

  it("refuses a body whose declared length is over maxBytes", async () => {
    const server = await serve(text("m 1\n".repeat(1000)));
    const s = scrape({ targets: [server.url], maxBytes: 100 });
    await waitFor("a failed scrape", () => s.errors.length > 0);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_TOO_LARGE" });
  });

  it("gives up on a target that never answers after timeoutMs", async () => {
    const server = await serve(() => {}); // accepts, never responds
    const s = scrape({ targets: [server.url], intervalMs: 100, timeoutMs: 150 });
    await waitFor("a failed scrape", () => s.errors.length > 0);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_TIMEOUT", target: server.url });
  });

  it("gives up on a body that stalls halfway after timeoutMs", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("a 1\n");
    });
    const s = scrape({ targets: [server.url], timeoutMs: 150 });
    await waitFor("a failed scrape", () => s.errors.length > 0);
    expect(s.errors[0]).toMatchObject({ code: "PB_ERR_SCRAPE_TIMEOUT" });
    expect(s.batches).toEqual([]);
  });

  it("keeps scraping a healthy target while another one hangs", async () => {
    const hanging = await serve(() => {});
    const healthy = await serve(text("ok 1\n"));
    const s = scrape({ targets: [hanging.url, healthy.url], intervalMs: 100, timeoutMs: 5000 });
    await waitFor("three scrapes of the healthy target", () => s.batches.length >= 3);
    expect(new Set(s.batches.map((b) => b.target))).toEqual(new Set([healthy.url]));
  });

  it("stops promptly during a hanging scrape and reports nothing afterwards", async () => {
    const server = await serve(() => {});
    const s = scrape({ targets: [server.url], intervalMs: 100, timeoutMs: 20_000 });
    await sleep(200);
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(200);
    expect(s.errors).toEqual([]);
  });

  it("reports a sink failure and keeps scraping", async () => {
    const server = await serve(text("m 1\n"));
    const errors: Error[] = [];
    let calls = 0;
    const handle = startPrometheusScrape({
      targets: [server.url],
      intervalMs: 50,
      allow: [""],
      sink: async () => {
        calls++;
        throw new Error("disk full");
      },
      onError: (e) => void errors.push(e),
    });
    scrapes.push(handle);
    await waitFor("two sink failures", () => errors.length >= 2);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toMatchObject({ code: "PB_ERR_COLLECTOR_SINK" });
    expect(errors[0]?.message).toContain("disk full");
  });

  it("drops non-finite values from a real scrape and sends nothing when nothing is left", async () => {
    const server = await serve(text("a NaN\nb +Inf\n"));
    const s = scrape({ targets: [server.url] });
    await sleep(400);
    expect(s.errors).toEqual([]);
    expect(s.batches).toEqual([]);
    server.set(text("a NaN\nb 2\n"));
    await waitFor("a scrape", () => s.batches.length > 0);
    expect(s.batches[0]?.batch.map((p) => p.metric.name)).toEqual(["b"]);
  });

  it.each([
    ["127.0.0.1:9100", "http://127.0.0.1:9100/metrics"],
    ["127.0.0.1:9100/custom/path", "http://127.0.0.1:9100/custom/path"],
    ["https://example.test/metrics?x=1", "https://example.test/metrics?x=1"],
    ["http://[::1]:9100/", "http://[::1]:9100/"],
  ])("resolves the target %s to %s", (target, url) => {
    expect(targetUrl(target).href).toBe(url);
  });

  it.each([["ftp://127.0.0.1/metrics"], ["http://"], ["not a url at all"]])(
    "refuses the target %s at start",
    (target) => {
      expect(() => startPrometheusScrape({ targets: [target], sink: async () => {} })).toThrow(
        CollectorConfigError,
      );
    },
  );

  it("refuses a non-positive timeout or size cap at start", () => {
    const sink = async () => {};
    expect(() => startPrometheusScrape({ targets: [], sink, timeoutMs: 0 })).toThrow(CollectorConfigError);
    expect(() => startPrometheusScrape({ targets: [], sink, maxBytes: Number.NaN })).toThrow(
      CollectorConfigError,
    );
  });
});
