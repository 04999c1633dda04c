// The chaos benchmark runs end to end with tiny numbers — both targets on two real nodes behind
// nginx, clients' sockets cut, a node killed and both restarted — and its report holds every
// figure the write-up needs, per client and in total. (Timings are reported, not checked.)
import { describe, expect, it } from "vitest";
import { runChaos } from "../src/chaos/run.ts";

describe("chaos benchmark", () => {
  it("scores every client of both targets against what was committed, through cuts, kill -9 and a rolling restart", async () => {
    const reports = await runChaos(
      {
        targets: ["pulseboard", "socketio"],
        start: "bundle",
        clients: 4,
        seconds: 10,
        procs: 1,
        dashboards: 2,
        rate: 10,
        backdated: 0.1,
        cutMeanS: 1,
        drainS: 30,
        out: undefined,
      },
      () => {},
    );
    expect(reports.map((r) => r.target)).toEqual(["pulseboard", "socketio"]);
    for (const r of reports) {
      expect(r.ready).toBe(4);
      expect(r.committed).toBeGreaterThan(0);
      expect(r.clients.map((c) => c.index)).toEqual([0, 1, 2, 3]);
      for (const c of r.clients) {
        expect(c.expected).toBeGreaterThan(0);
        expect(c.missing).toBeLessThanOrEqual(c.expected);
        for (const key of ["duplicated", "outOfOrder", "wrongValue", "extra", "unrecovered"] as const)
          expect(c[key]).toBeGreaterThanOrEqual(0);
        expect(Object.keys(c.missingByPhase)).toEqual([
          "steady",
          "kill -9",
          "after kill",
          "rolling restart",
          "after rolling",
        ]);
      }
      expect(r.totals.expected).toBe(r.clients.reduce((s, c) => s + c.expected, 0));
      expect(r.totals.delivered + r.totals.missing).toBe(r.totals.expected);
      // the chaos happened: sockets were cut and clients came back
      expect(r.totals.cuts).toBeGreaterThan(0);
      expect(r.totals.reconnects).toBeGreaterThan(0);
      expect(r.reconnectMs.count).toBeGreaterThan(0);
      expect(r.events.some((e) => e.includes("killed (SIGKILL)"))).toBe(true);
      expect(r.events.filter((e) => e.includes("stopped (SIGTERM)"))).toHaveLength(2);
    }
    // the rolling restart waited for each restarted Pulseboard node's readiness before the next stop
    const pbEvents = reports[0]!.events.map((e) => e.replace(/^[\d.]+ s /, ""));
    const order = ["node 0 stopped", "node 0 ready", "node 1 stopped", "node 1 ready"].map((what) =>
      pbEvents.findIndex((e) => e.startsWith(what)),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const pb = reports[0]!;
    // Pulseboard answers every resume with `resumed`: its replay times are measured
    expect(pb.replayMs.count).toBeGreaterThan(0);
  }, 600_000);
});
