// Owns the OpenAPI 3.1 document of the REST route table (served at /openapi.json). @fastify/swagger
// builds it from the table's Zod schemas through fastify-type-provider-zod's transform, on a private
// Fastify instance that holds exactly the table: the document lists every route whatever this
// server's configuration switches on (single sign-on, health) and nothing that is not in the table
// (pages, the Influx and OTLP paths of other agents). Built once, on first request.
import fastifySwagger from "@fastify/swagger";
import { type ErrorCode, type ErrorSpec, errorCodes } from "@pulseboard/channels";
import { errorAnswer } from "@pulseboard/protocol/rest";
import { type RestRoute, restRoutes } from "@pulseboard/protocol/rest-routes";
import Fastify from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import { z } from "zod";

const VERSION = "0.1.0";
const error = errorAnswer.meta({
  id: "ErrorAnswer",
  description: "`{error: {code, message, details?}}`: `code` is a PB_ERR_* code of the error table",
});
const SIGNED_IN: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];

/** The REST codes of each HTTP status, from the error table (what a 4xx/5xx answer's `code` can be). */
const codesByStatus = new Map<number, ErrorCode[]>();
for (const [code, spec] of Object.entries(errorCodes) as Array<[ErrorCode, ErrorSpec]>)
  if (spec.rest && spec.status !== null)
    codesByStatus.set(spec.status, [...(codesByStatus.get(spec.status) ?? []), code]);

/**
 * The error statuses a route can answer, each described with the codes it may carry: every route
 * can meet the Host check (421) and the rate limits (429); input can be invalid (400) or too large
 * (413); a signed-in route can be unauthenticated (401) or forbidden (403, also CSRF); a route with
 * ids can name one that is not there or not the caller's (404); plus what the route declares.
 */
function errorStatuses(r: RestRoute): Map<number, string> {
  const hasParams = Object.keys(r.params.shape).length > 0;
  // null: any code of the status; a list: only the route's declared codes of it.
  const statuses = new Map<number, ErrorCode[] | null>([
    [421, null],
    [429, null],
  ]);
  if (r.body || r.query || r.consumes || hasParams) statuses.set(400, null);
  if (r.body || r.consumes) statuses.set(413, null);
  if (r.auth === "user") {
    statuses.set(401, null);
    statuses.set(403, null);
  }
  if (hasParams) statuses.set(404, null);
  for (const code of r.errors ?? []) {
    const status = errorCodes[code].status;
    if (status === null) continue;
    const listed = statuses.get(status);
    if (listed === undefined) statuses.set(status, [code]);
    else listed?.push(code);
  }
  return new Map(
    [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, only]) => [status, `\`code\`: ${(only ?? codesByStatus.get(status) ?? []).join(", ")}`]),
  );
}

function responses(r: RestRoute) {
  const description = r.summary;
  const success =
    r.produces !== undefined
      ? {
          description,
          content: Object.fromEntries(r.produces.map((type) => [type, { schema: z.string() }])),
        }
      : r.response !== undefined
        ? r.response.meta({ description })
        : z.null().meta({ description });
  // The one ErrorAnswer component for every error status; each status's codes are written into its
  // description once the document is built (a described copy of the schema would be inlined).
  return { [r.status]: success, ...Object.fromEntries([...errorStatuses(r).keys()].map((s) => [s, error])) };
}

function schemaOf(name: string, r: RestRoute) {
  const hasParams = Object.keys(r.params.shape).length > 0;
  return {
    operationId: name,
    summary: r.summary,
    tags: [r.tag],
    security: r.auth === "public" ? [] : SIGNED_IN,
    ...(hasParams ? { params: r.params } : {}),
    ...(r.query ? { querystring: r.query } : {}),
    ...(r.body ? { body: r.body } : {}),
    ...(r.consumes
      ? { consumes: [...r.consumes], body: z.string().meta({ description: "the sender's own format" }) }
      : {}),
    response: responses(r),
  };
}

async function build(): Promise<unknown> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Pulseboard REST API",
        version: VERSION,
        description:
          "The REST API of docs/API.md, generated from the route table (`@pulseboard/protocol/rest-routes`). " +
          "State-changing calls with the session cookie carry `X-CSRF-Token`. The WebSocket API is the AsyncAPI document at /asyncapi.json.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "pb_session", description: "browser session" },
          bearer: { type: "http", scheme: "bearer", description: "API token" },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  for (const [name, r] of Object.entries(restRoutes) as Array<[string, RestRoute]>)
    app.route({ method: r.method, url: r.path, schema: schemaOf(name, r), handler: async () => null });
  await app.ready();
  const document = app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
  await app.close();
  const routes = restRoutes as Record<string, RestRoute>;
  for (const item of Object.values(document.paths))
    for (const operation of Object.values(item)) {
      const r = routes[operation.operationId];
      if (!r) continue;
      for (const [status, description] of errorStatuses(r)) {
        const answer = operation.responses[String(status)];
        if (answer) answer.description = description;
      }
    }
  return document;
}

type Operation = { operationId: string; responses: Record<string, { description?: string }> };

let built: Promise<unknown> | undefined;

/** The document, built on first use and then kept (the table does not change while running). */
export function openApiDocument(): Promise<unknown> {
  built ??= build().catch((err) => {
    built = undefined;
    throw err;
  });
  return built;
}
