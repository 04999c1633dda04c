// Specifications of the REST route table's client side: routeUrl() builds the URL of an entry
// (parameters encoded, unset query values left out), every `:name` of a path has its parameter
// schema, and a call's input and answer types are the entry's schemas (checked by tsc).
import type { DashboardSummary, Metric } from "@pulseboard/protocol/rest";
import {
  type RestRoute,
  type RouteAnswer,
  type RouteInput,
  restRoutes,
  routeUrl,
} from "@pulseboard/protocol/rest-routes";
import { describe, expect, expectTypeOf, it } from "vitest";

describe("routeUrl", () => {
  it("fills path parameters, encoded, and appends only the query values given", () => {
    expect(routeUrl(restRoutes.removeMember, { id: 3, userId: 7 })).toBe("/api/v1/dashboards/3/members/7");
    expect(routeUrl(restRoutes.revokeSession, { sessionId: "a/b c" })).toBe("/api/v1/me/sessions/a%2Fb%20c");
    expect(
      routeUrl(
        restRoutes.metricValues,
        { id: 9 },
        { from: "2026-01-01T00:00:00Z", to: undefined, points: 50 },
      ),
    ).toBe("/api/v1/metrics/9/values?from=2026-01-01T00%3A00%3A00Z&points=50");
  });

  it("refuses to build a URL with a path parameter missing", () => {
    expect(() => routeUrl(restRoutes.getDashboard, {})).toThrow(/:id/);
  });
});

describe("the table", () => {
  it("declares a parameter schema for every :name of every path, and no other", () => {
    for (const [name, r] of Object.entries(restRoutes) as Array<[string, RestRoute]>) {
      const names = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]);
      expect(Object.keys(r.params.shape), name).toEqual(names);
    }
  });

  it("holds each method and path once", () => {
    const keys = Object.values(restRoutes).map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("types a call's input and answer from the entry", () => {
    expectTypeOf<RouteAnswer<typeof restRoutes.listDashboards>>().toEqualTypeOf<DashboardSummary[]>();
    expectTypeOf<RouteAnswer<typeof restRoutes.createMetric>>().toEqualTypeOf<Metric>();
    expectTypeOf<RouteAnswer<typeof restRoutes.deleteToken>>().toEqualTypeOf<undefined>();
    expectTypeOf<RouteInput<typeof restRoutes.createMetric>["params"]>().toEqualTypeOf<
      Record<"id", string | number>
    >();
    expectTypeOf<
      RouteInput<typeof restRoutes.ingest>["body"]["points"][number]["value"]
    >().toEqualTypeOf<number>();
  });
});
