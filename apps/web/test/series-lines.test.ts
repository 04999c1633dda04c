// What a series panel makes of the dashboard's series: which lines (matched, grouped, capped,
// ordered), what the legend calls them, their colours, and a group's aggregate at aligned buckets.
import type { Metric } from "@pulseboard/protocol/rest";
import { seriesKey } from "@pulseboard/protocol/series";
import { describe, expect, it } from "vitest";
import {
  aggregateAligned,
  colorSlot,
  LINE_COLORS,
  lineNames,
  seriesLines,
} from "../src/charts/series-lines.ts";

let nextId = 1;
function series(family: string, labels: Record<string, string>): Metric {
  const name = seriesKey(family, labels);
  const labeled = Object.keys(labels).length > 0;
  return {
    id: nextId++,
    dashboard_id: 1,
    name,
    description: "",
    type: "gauge",
    unit: "%",
    ...(labeled ? { family, labels } : {}),
  } as Metric;
}

const METRICS = [
  series("cpu", {}),
  series("cpu", { host: "web-10", role: "web" }),
  series("cpu", { host: "web-2", role: "web" }),
  series("cpu", { host: "db-1", role: "db" }),
  series("mem", { host: "web-2" }),
];

describe("series lines", () => {
  it("are the matching series with data, ordered by key with numbers as numbers", () => {
    const set = seriesLines('cpu{host=~"web-.*"}', undefined, METRICS);
    if (!set.ok) throw new Error(set.error);
    expect(set.lines.map((l) => l.labels.host)).toEqual(["web-2", "web-10"]);
    expect(lineNames(set.lines)).toEqual(["web-2", "web-10"]);
  });

  it("are named by the fewest labels that tell them apart", () => {
    const lines = [
      { key: "a", labels: { host: "web-1", role: "web", dc: "x" } },
      { key: "b", labels: { host: "db-1", role: "db", dc: "x" } },
    ];
    expect(lineNames(lines)).toEqual(["web-1", "db-1"]);
    const cores = [
      { key: "a", labels: { host: "web-1", core: "0" } },
      { key: "b", labels: { host: "web-1", core: "1" } },
      { key: "c", labels: { host: "web-2", core: "0" } },
    ];
    expect(lineNames(cores)).toEqual(["core=0, host=web-1", "core=1, host=web-1", "core=0, host=web-2"]);
  });

  it("leave out series without data (the family's unlabeled template metric)", () => {
    const empty = METRICS[0]!.id;
    const set = seriesLines("cpu", undefined, METRICS, (id) => id !== empty);
    expect(set.ok && set.lines.map((l) => l.key)).not.toContain("cpu");
    expect(set.ok && set.totalSeries).toBe(3);
  });

  it("group by label values, each group named by its values", () => {
    const set = seriesLines("cpu", ["role"], METRICS.slice(1));
    if (!set.ok) throw new Error(set.error);
    expect(set.lines.map((l) => [l.key, l.ids.length])).toEqual([
      ['cpu{role="db"}', 1],
      ['cpu{role="web"}', 2],
    ]);
    expect(lineNames(set.lines)).toEqual(["db", "web"]);
  });

  it("stop at the cap and say how many there were", () => {
    const many = Array.from({ length: 70 }, (_, i) => series("load", { host: `n${i}` }));
    const set = seriesLines("load", undefined, many, () => true, 50);
    expect(set.ok && [set.lines.length, set.totalLines]).toEqual([50, 70]);
  });

  it("answer a selector that does not parse with its error", () => {
    const set = seriesLines('cpu{host="web', undefined, METRICS);
    expect(set.ok).toBe(false);
  });

  it("are coloured by their key, whatever the other lines", () => {
    const key = 'cpu{host="web-2",role="web"}';
    expect(colorSlot(key)).toBe(colorSlot(key));
    expect(colorSlot(key)).toBeGreaterThanOrEqual(0);
    expect(colorSlot(key)).toBeLessThan(LINE_COLORS);
    const slots = new Set(Array.from({ length: 40 }, (_, i) => colorSlot(`cpu{host="web-${i}"}`)));
    expect(slots.size).toBe(LINE_COLORS); // spread over every colour
  });
});

describe("aggregate at aligned buckets", () => {
  const a: [number[], number[]] = [
    [0, 10, 20, 30],
    [1, 2, 3, 4],
  ];
  const b: [number[], number[]] = [
    [0, 10, 20, 30],
    [10, 20, 30, 40],
  ];
  it("combines the series of a group per bucket", () => {
    expect(aggregateAligned([a, b], [[0, 1]], 10, "avg")).toEqual([
      [0, 10, 20, 30],
      [5.5, 11, 16.5, 22],
    ]);
    expect(aggregateAligned([a, b], [[0, 1]], 10, "sum")[1]).toEqual([11, 22, 33, 44]);
    expect(aggregateAligned([a, b], [[0, 1]], 10, "max")[1]).toEqual([10, 20, 30, 40]);
    expect(aggregateAligned([a, b], [[0], [1]], 10, "min").slice(1)).toEqual([
      [1, 2, 3, 4],
      [10, 20, 30, 40],
    ]);
  });

  it("keeps a series that reports a little late in the sum (lookback), and drops it after an outage", () => {
    // b skips the bucket at 20: its 20 is carried; after 3 of its intervals without a point it is gone
    const late: [number[], number[]] = [
      [0, 10, 30],
      [10, 20, 40],
    ];
    expect(aggregateAligned([a, late], [[0, 1]], 10, "sum")[1]).toEqual([11, 22, 23, 44]);
    const gone: [number[], number[]] = [
      [0, 10],
      [10, 20],
    ];
    const long: [number[], number[]] = [
      [0, 10, 20, 30, 40, 50, 60],
      [1, 1, 1, 1, 1, 1, 1],
    ];
    expect(aggregateAligned([long, gone], [[0, 1]], 10, "sum")[1]).toEqual([11, 21, 21, 21, 21, 1, 1]);
  });

  it("draws a lone series per bucket without carrying values (undefined is bridged, not stepped)", () => {
    const sparse: [number[], number[]] = [
      [0, 20, 40],
      [1, 3, 5],
    ];
    expect(aggregateAligned([sparse], [[0]], 10, "avg", false)).toEqual([
      [0, 10, 20, 30, 40],
      [1, undefined, 3, undefined, 5],
    ]);
  });

  it("is a gap where no series of the group has a value", () => {
    const early: [number[], number[]] = [[0], [5]];
    const later: [number[], number[]] = [[100], [7]];
    const [xs, ys] = aggregateAligned([early, later], [[0, 1]], 10, "avg");
    expect(xs).toHaveLength(11);
    expect(ys?.[0]).toBe(5);
    expect(ys?.[5]).toBeNull();
    expect(ys?.[10]).toBe(7);
  });
});
