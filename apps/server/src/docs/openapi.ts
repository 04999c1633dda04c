// Owns the OpenAPI 3.1 document of the REST route table (served at /openapi.json). @fastify/swagger
// builds it from the table's Zod schemas through fastify-type-provider-zod's transform, on a private
// Fastify instance that holds exactly the table: the document lists every route whatever this
// server's configuration switches on (single sign-on, health) and nothing that is not in the table
// (pages, the Influx and OTLP paths of other agents). Built once, on first request.
import fastifySwagger from "@fastify/swagger";
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
  return { [r.status]: success, "4XX": error };
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
  const document = app.swagger();
  await app.close();
  return document;
}

let built: Promise<unknown> | undefined;

/** The document, built on first use and then kept (the table does not change while running). */
export function openApiDocument(): Promise<unknown> {
  built ??= build().catch((err) => {
    built = undefined;
    throw err;
  });
  return built;
}
