// Property-based fuzzing (fast-check) of everything a client can send: every REST body and query
// schema and WebSocket frames, with thousands of generated hostile inputs per run. For each input:
// no 5xx, a well-formed error (`{"error":{code,message}}` / an `error` frame), the socket still
// serves, and a refused request leaves storage exactly as it was. The case counts are printed.
// PB_FUZZ_RUNS scales the run (default 1500 REST bodies, 500 queries, 1500 frames).
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertDb } from "../src/alerts/store.ts";
import { startTestApp, type TestApp } from "./harness.ts";

const SCALE = Number(process.env.PB_FUZZ_RUNS ?? 1) || 1;
const RUNS = { bodies: 1500 * SCALE, queries: 500 * SCALE, frames: 1500 * SCALE };

let t: TestApp;
let token: string;
let ids: { dash: number; metric: number; rule: number; alert: number };
const counted = { rest: 0, frames: 0 };

beforeAll(async () => {
  // Limits off: thousands of requests from one caller are the point here, not a flood.
  t = await startTestApp("sqlite", {
    config: {
      apiRequestsPerMinute: 0,
      ingestRequestsPerMinute: 0,
      wsMessagesPerSecond: 0,
      loginFailuresPerAddress: 0,
    },
  });
  await t.createUser("fuzz", "fuzz-password-1");
  await t.createUser("other", "other-password-1");
  token = await t.createToken("fuzz");
  const dash = (await t.api("POST", "/api/v1/dashboards", { token, body: { name: "Fuzz" } })).body.id;
  const metric = (
    await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, { token, body: { name: "m", type: "gauge" } })
  ).body.id;
  const rule = (
    await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      token,
      body: { metric_id: metric, condition: "above", threshold: 1e9 },
    })
  ).body.id;
  ids = { dash, metric, rule, alert: 1 };
}, 60_000);
afterAll(async () => {
  console.log(
    `fuzz: ${counted.rest} REST requests and ${counted.frames} WebSocket frames generated and checked`,
  );
  await t?.close();
});

/** Everything a refused request must leave untouched. */
async function snapshot(): Promise<string> {
  const db = t.pb.db as AlertDb;
  const rows = await Promise.all([
    db.selectFrom("users").select(["id", "username", "password_hash"]).orderBy("id").execute(),
    db.selectFrom("dashboards").selectAll().orderBy("id").execute(),
    db.selectFrom("dashboard_members").selectAll().orderBy("dashboard_id").orderBy("user_id").execute(),
    db.selectFrom("metrics").selectAll().orderBy("id").execute(),
    // Raw points stored (compaction rewrites chunks but never changes this count) and stream heads.
    db
      .selectFrom("chunks")
      .select((eb) => eb.fn.sum<number>("count").as("points"))
      .where("tier", "=", 0)
      .execute()
      .then((r) => Number(r[0]?.points ?? 0)),
    db.selectFrom("streams").selectAll().orderBy("dashboard_id").execute(),
    db.selectFrom("alert_rules").selectAll().orderBy("id").execute(),
    db.selectFrom("api_tokens").select(["id", "name"]).orderBy("id").execute(),
    db.selectFrom("layouts").selectAll().execute(),
    db.selectFrom("user_preferences").selectAll().execute(),
  ]);
  return JSON.stringify(rows);
}

// Values that broke servers before: NUL, lone surrogates, huge and tiny numbers, deep nesting,
// prototype keys, very long strings, numbers as strings and the reverse.
const hostileScalar = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "a\u0000b",
    "\ud800",
    "../../etc/passwd",
    "<script>x</script>",
    "%00",
    "1e308",
    "",
  ),
  fc.double(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0, -1, 2 ** 31, 1e-320),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ minLength: 5000, maxLength: 70_000 }).map((s) => s.slice(0, 70_000)),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileScalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "prototype")),
      tie("value"),
      { maxKeys: 4 },
    ),
  ),
})).value;
/** Deep nesting, as JSON text (a parser's recursion limit). */
const deepText = fc.integer({ min: 100, max: 5000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`);

/** A valid body with one field replaced, removed or added: near-misses reach deeper code. */
function nearMiss(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc
      .record({ key: fc.constantFrom(...keys), value: hostileValue })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.constantFrom(...keys).map((key) => {
      const copy = { ...valid };
      delete copy[key];
      return copy;
    }),
    fc
      .record({ key: fc.string({ maxLength: 10 }), value: hostileValue })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
  );
}

type BodyRoute = { method: string; path: () => string; valid: Record<string, unknown> };
const bodyRoutesOf = (): BodyRoute[] => [
  { method: "POST", path: () => "/api/v1/dashboards", valid: { name: "x", slug: "s", description: "d" } },
  { method: "PATCH", path: () => `/api/v1/dashboards/${ids.dash}`, valid: { name: "Fuzz", description: "" } },
  {
    method: "PUT",
    path: () => `/api/v1/dashboards/${ids.dash}/members`,
    valid: { username: "other", role: "viewer" },
  },
  {
    method: "POST",
    path: () => `/api/v1/dashboards/${ids.dash}/metrics`,
    valid: { name: "n", type: "gauge", unit: "%" },
  },
  {
    method: "PATCH",
    path: () => `/api/v1/metrics/${ids.metric}`,
    valid: { name: "m", unit: "", description: "" },
  },
  { method: "PUT", path: () => `/api/v1/dashboards/${ids.dash}/layout`, valid: { widgets: [] } },
  {
    method: "POST",
    path: () => `/api/v1/dashboards/${ids.dash}/alert-rules`,
    valid: { metric_id: ids.metric, condition: "above", threshold: 1 },
  },
  { method: "PATCH", path: () => `/api/v1/alert-rules/${ids.rule}`, valid: { threshold: 2, hysteresis: 0 } },
  { method: "POST", path: () => "/api/v1/ingest", valid: { points: [{ metric_id: ids.metric, value: 1 }] } },
  {
    method: "POST",
    path: () => "/api/v1/auth/login",
    valid: { username: "fuzz", password: "wrong-password" },
  },
  { method: "PATCH", path: () => "/api/v1/me/preferences", valid: { theme: "dark" } },
  { method: "POST", path: () => "/api/v1/tokens", valid: { name: "t" } },
  {
    method: "POST",
    path: () => "/api/v1/me/password",
    valid: { current_password: "wrong-password", new_password: "whatever-long-1" },
  },
];

type Sent = { status: number; body: unknown; text: string };
async function send(method: string, path: string, raw: string): Promise<Sent> {
  counted.rest++;
  const res = await t.api(method, path, { token, raw });
  return { status: res.status, body: res.body, text: res.text };
}

function wellFormedError(res: Sent) {
  expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
  if (res.status >= 400) {
    const error = (res.body as { error?: { code?: unknown; message?: unknown } }).error;
    expect(typeof error?.code, res.text.slice(0, 300)).toBe("string");
    expect(typeof error?.message).toBe("string");
  }
}

describe("REST bodies", () => {
  it("answers every hostile body below 500 with a well-formed error, and a refusal stores nothing", async () => {
    const body = fc.oneof(
      hostileValue.map((v) => JSON.stringify(v) ?? "null"),
      deepText,
      fc.string({ maxLength: 200 }), // not JSON at all
    );
    const bodyRoutes = bodyRoutesOf();
    const routeAndBody = fc.integer({ min: 0, max: bodyRoutes.length - 1 }).chain((i) =>
      fc.tuple(
        fc.constant(bodyRoutes[i]!),
        fc.oneof(
          body,
          nearMiss(bodyRoutes[i]!.valid).map((v) => JSON.stringify(v) ?? "null"),
        ),
      ),
    );
    let before = await snapshot();
    await fc.assert(
      fc.asyncProperty(routeAndBody, async ([route, raw]) => {
        const res = await send(route.method, route.path(), raw);
        wellFormedError(res);
        const after = await snapshot();
        if (res.status >= 400) expect(after).toBe(before);
        before = after;
      }),
      { numRuns: RUNS.bodies },
    );
  }, 600_000);
});

describe("REST queries and path parameters", () => {
  it("answers every hostile query string and id below 500 with a well-formed error", async () => {
    const paths = [
      () => `/api/v1/metrics/${ids.metric}/values`,
      () => `/api/v1/dashboards/${ids.dash}/export`,
      () => `/api/v1/dashboards/${ids.dash}/alerts`,
      () => "/api/v1/dashboards",
    ];
    const keys = fc.constantFrom(
      "from",
      "to",
      "limit",
      "points",
      "format",
      "state",
      "unacknowledged",
      "metric_id",
      "x",
    );
    const query = fc.array(fc.tuple(keys, hostileScalar.map(String)), { maxLength: 5 });
    const hostileId = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom("0", "-1", "1e3", "99999999999999999999", "%00", "..", "%2e%2e", "1.5", " 1"),
    );
    const idPaths = [
      (id: string) => `/api/v1/dashboards/${id}`,
      (id: string) => `/api/v1/metrics/${id}/values`,
      (id: string) => `/api/v1/dashboards/${id}/members`,
      (id: string) => `/api/v1/alert-rules/${id}`,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constantFrom(...paths), query).map(([p, q]) => {
            const search = new URLSearchParams(q.map(([k, v]) => [k, v.slice(0, 500)]));
            return `${p()}?${search}`;
          }),
          fc.tuple(fc.constantFrom(...idPaths), hostileId).map(([p, id]) => p(encodeURIComponent(id))),
        ),
        async (path) => {
          counted.rest++;
          const res = await t.api("GET", path, { token });
          wellFormedError({ status: res.status, body: res.body, text: res.text });
        },
      ),
      { numRuns: RUNS.queries },
    );
  }, 600_000);
});

describe("WebSocket frames", () => {
  it("answers every hostile frame with a well-formed error or a normal answer, and keeps serving", async () => {
    const actions = ["ping", "subscribe", "unsubscribe", "resume", "pause", "resume_stream", "nope", ""];
    const frame = fc.oneof(
      fc.record({ action: fc.constantFrom(...actions), payload: hostileValue }).map((f) => JSON.stringify(f)),
      hostileValue.map((v) => JSON.stringify(v) ?? "null"),
      fc.string({ maxLength: 300 }),
      deepText,
      fc.constantFrom("", "{", '{"action":', "null", "[]", '{"action":null}', '{"action":"ping","payload":'),
    );
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${ids.dash}/`, { token });
    await c.assertAuthenticated();
    await c.receiveUntil("presence", { timeoutMs: 5000 });
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        counted.frames++;
        c.sendRaw(text);
        // Frames are handled in order: whatever answers the hostile frame arrives before this pong.
        c.sendRaw(JSON.stringify({ action: "ping", payload: null }));
        const answers: Frame[] = await c.receiveUntil("pong", { timeoutMs: 5000 });
        for (const f of answers) {
          expect([
            "error",
            "pong",
            "metric_history",
            "resumed",
            "paused",
            "presence",
            "metric_update",
          ]).toContain(f.action);
          if (f.action === "error") {
            const p = f.payload as unknown;
            const ok =
              (Array.isArray(p) && p.every((i) => typeof i?.msg === "string" && Array.isArray(i?.loc))) ||
              typeof (p as { detail?: unknown })?.detail === "string";
            expect(ok, JSON.stringify(p).slice(0, 300)).toBe(true);
          }
        }
      }),
      { numRuns: RUNS.frames },
    );
    expect(c.isOpen).toBe(true);
    expect(await snapshot()).toBe(before);
    await c.close();
  }, 600_000);
});
