// Specifications of the REST route table (@pulseboard/protocol/rest-routes): a real server answers
// /openapi.json with a valid OpenAPI 3.1 document holding exactly the table's routes, registers
// every route of the table (and none under /api by hand), validates bodies and queries from it
// without answering a stranger anything but 401/404, and docs/API.md documents exactly the table's
// routes, each with its method and path.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type RestRoute, restRoutes } from "@pulseboard/protocol/rest-routes";
import { compileErrors, validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthRoutes } from "../src/http/health.ts";
import { startTestApp, type TestApp } from "./harness.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests walk free-form JSON
type Any = Record<string, any>;

const ROOT = new URL("../../../", import.meta.url).pathname;
const table = Object.values(restRoutes) as RestRoute[];
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
const tableKeys = table.map((r) => key(r.method, r.path)).sort();
/** `/a/:id/b` → `/a/{id}/b`, as OpenAPI writes paths. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

let t: TestApp;
beforeAll(async () => {
  // Single sign-on and the health routes on, so that every route of the table is registered.
  t = await startTestApp("sqlite", {
    config: {
      publicUrl: "http://127.0.0.1:9",
      oidc: {
        issuer: "http://127.0.0.1:9/",
        clientId: "pulseboard",
        clientSecret: undefined,
        redirectUrl: undefined,
        name: "Test IdP",
        scopes: "openid",
        groupsClaim: undefined,
        groupTeams: {},
      },
    },
    build: { plugins: [healthRoutes()] },
  });
});
afterAll(() => t?.close());

describe("GET /openapi.json", () => {
  it("answers without credentials a valid OpenAPI 3.1 document", async () => {
    const res = await t.api("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe("3.1.0");
    // validate() dereferences in place: hand it a copy.
    const result = await validate(structuredClone(res.body));
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("holds every route of the table, and only those, with its operation", async () => {
    const doc: Any = (await t.api("GET", "/openapi.json")).body;
    const listed: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Any))
      for (const method of Object.keys(item as Any)) listed.push(key(method, path));
    expect(listed.sort()).toEqual(table.map((r) => key(r.method, openApiPath(r.path))).sort());
    for (const [name, r] of Object.entries(restRoutes) as Array<[string, RestRoute]>) {
      const op = doc.paths[openApiPath(r.path)][r.method.toLowerCase()];
      expect(op.operationId).toBe(name);
      expect(Object.keys(op.responses)).toContain(String(r.status));
      if (r.body) expect(op.requestBody, name).toBeDefined();
      expect(op.security, name).toEqual(r.auth === "public" ? [] : [{ session: [] }, { bearer: [] }]);
    }
  });

  it("describes a body's bounds and an answer's fields from the Zod schemas", async () => {
    const doc: Any = (await t.api("GET", "/openapi.json")).body;
    const create = doc.paths["/api/v1/dashboards"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["name"]);
    expect(body.properties.name.maxLength).toBe(200);
    const answer = create.responses["201"].content["application/json"].schema;
    expect(Object.keys(answer.properties)).toEqual(
      expect.arrayContaining(["id", "name", "slug", "description", "created_at", "role"]),
    );
    const values = doc.paths["/api/v1/metrics/{id}/values"].get.parameters.map((p: Any) => p.name);
    expect(values).toEqual(expect.arrayContaining(["id", "from", "to", "limit", "points"]));
  });

  it("lists each error status a route can answer, with the codes of the error table it may carry", async () => {
    const doc: Any = (await t.api("GET", "/openapi.json")).body;
    const statuses = (op: Any) => Object.keys(op.responses).sort();
    const create = doc.paths["/api/v1/dashboards/{id}/metrics"].post;
    expect(statuses(create)).toEqual(["201", "400", "401", "403", "404", "409", "413", "421", "429"]);
    expect(create.responses["409"].description).toBe("`code`: PB_ERR_CONFLICT");
    expect(create.responses["403"].description).toContain("PB_ERR_CSRF");
    expect(create.responses["404"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/ErrorAnswer",
    });
    // A public route without input answers neither 401 nor 400; a history read may answer 503.
    expect(statuses(doc.paths["/api/v1/auth/methods"].get)).toEqual(["200", "421", "429"]);
    expect(doc.paths["/api/v1/metrics/{id}/values"].get.responses["503"].description).toContain(
      "PB_ERR_UNAVAILABLE",
    );
    // Every error status of every operation names at least one code.
    for (const item of Object.values(doc.paths as Any))
      for (const op of Object.values(item as Any))
        for (const [status, answer] of Object.entries((op as Any).responses))
          if (Number(status) >= 400) expect((answer as Any).description, status).toMatch(/^`code`: PB_ERR_/);
  });
});

describe("the server", () => {
  it("registers every route of the table", () => {
    const missing = table.filter((r) => !t.pb.app.hasRoute({ method: r.method, url: r.path }));
    expect(missing.map((r) => key(r.method, r.path))).toEqual([]);
  });

  it("registers no route under /api but through the table", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
      });
    const byHand = files(join(ROOT, "apps/server/src")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\.(get|post|put|patch|delete|route)\(\s*["'`]\/api\//g)].map(
        (m) => `${file}: ${m[0]}`,
      ),
    );
    expect(byHand).toEqual([]);
  });
});

describe("validation from the table", () => {
  it("answers a malformed body 401 to a stranger, 404 to a non-member and 400 with details to an editor", async () => {
    await t.createUser("vera", "pw-vera-secret");
    await t.createUser("nick", "pw-nick-secret");
    const vera = await t.login("vera", "pw-vera-secret");
    const nick = await t.login("nick", "pw-nick-secret");
    const id = (await t.api("POST", "/api/v1/dashboards", { session: vera, body: { name: "Checked" } })).body
      .id;
    const bad = { name: "", type: "sideways", extra: 1 };
    const path = `/api/v1/dashboards/${id}/metrics`;
    expect((await t.api("POST", path, { body: bad })).status).toBe(401);
    const stranger = await t.api("POST", path, { session: nick, body: bad });
    expect([stranger.status, stranger.body.error.code]).toEqual([404, "PB_ERR_NOT_FOUND"]);
    const editor = await t.api("POST", path, { session: vera, body: bad });
    expect(editor.status).toBe(400);
    expect(editor.body.error.code).toBe("PB_ERR_VALIDATION");
    const locs = editor.body.error.details.map((d: Any) => d.loc.join("."));
    expect(locs).toEqual(expect.arrayContaining(["body.name", "body.type"]));
    for (const d of editor.body.error.details) expect(Object.keys(d).sort()).toEqual(["loc", "msg", "type"]);
    expect((await t.api("GET", path, { session: vera })).body).toEqual([]); // nothing stored
  });

  it("hands the handler the body as the schema gives it, and refuses a bad query with its location", async () => {
    await t.createUser("tess", "pw-tess-secret");
    const tess = await t.login("tess", "pw-tess-secret");
    const created = await t.api("POST", "/api/v1/dashboards", {
      session: tess,
      body: { name: "  Trimmed  " },
    });
    expect([created.status, created.body.name]).toEqual([201, "Trimmed"]);
    const res = await t.api("GET", `/api/v1/dashboards/${created.body.id}/audit?limit=many`, {
      session: tess,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: Any) => d.loc)).toEqual([["query", "limit"]]);
  });
});

describe("docs/API.md", () => {
  const METHOD = "(?:GET|POST|PUT|PATCH|DELETE)";
  const text = readFileSync(join(ROOT, "docs/API.md"), "utf8");
  const documented = new Set<string>();
  // Table rows `| GET/POST | /api/v1/… |` and inline mentions `GET /api/v1/…`.
  const row = new RegExp(`^\\|\\s*\`?(${METHOD}(?:/${METHOD})*)\`?\\s*\\|\\s*\`?(/api/[^\\s|\`?]+)`, "gm");
  const inline = new RegExp(`\`(${METHOD}(?:/${METHOD})*) (/api/[^\\s\`?]+)`, "g");
  for (const pattern of [row, inline])
    for (const m of text.matchAll(pattern))
      for (const method of (m[1] as string).split("/")) documented.add(key(method, m[2] as string));

  it("documents every route of the table with its method and path", () => {
    expect(tableKeys.filter((k) => !documented.has(k))).toEqual([]);
  });

  it("lists no route the table lacks", () => {
    expect([...documented].filter((k) => !tableKeys.includes(k)).sort()).toEqual([]);
  });
});
