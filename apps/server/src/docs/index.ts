// Owns the developer pages: the AsyncAPI document at /asyncapi.json and its rendering at /docs
// (the framework's AsyncAPI page, @pulseboard/asyncapi-page); the OpenAPI document of the REST
// route table at /openapi.json and its rendering at /docs/rest; the WebSocket playground at
// /playground. Pages and scripts are files served with a strict Content-Security-Policy (no
// inline script, no third-party origin, no eval).
import { readFileSync } from "node:fs";
import {
  asyncApiPage,
  DOCUMENT_PATH,
  forServer,
  PAGE_CSP,
  renderableDocument,
} from "@pulseboard/asyncapi-page";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import { asyncApiBuilder } from "./asyncapi.ts";
import { openApiDocument } from "./openapi.ts";

const FILES: Record<string, { file: string; type: string }> = {
  "/docs/rest": { file: "rest.html", type: "text/html; charset=utf-8" },
  "/docs/render.js": { file: "render.js", type: "text/javascript; charset=utf-8" },
  "/docs/openapi.js": { file: "openapi.js", type: "text/javascript; charset=utf-8" },
  "/docs/pages.css": { file: "pages.css", type: "text/css; charset=utf-8" },
  "/docs/theme.js": { file: "theme.js", type: "text/javascript; charset=utf-8" },
  "/playground": { file: "playground.html", type: "text/html; charset=utf-8" },
  "/playground/playground.js": { file: "playground.js", type: "text/javascript; charset=utf-8" },
};

// A host header is echoed into the document: accept only a plain host[:port].
const HOST = /^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::[0-9]{1,5})?$/;

export function docsPlugin(app: FastifyInstance, ctx: AppContext): void {
  const build = asyncApiBuilder();
  const contents = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    contents.set(path, { body: readFileSync(new URL(`./public/${file}`, import.meta.url)), type });
  }
  const page = asyncApiPage({
    title: "Pulseboard WebSocket API",
    links: [
      { href: "/asyncapi.json", text: "asyncapi.json" },
      { href: "/docs/rest", text: "REST API" },
      { href: "/openapi.json", text: "openapi.json" },
      { href: "/playground", text: "Playground" },
    ],
  });
  for (const [path, file] of page) contents.set(path, file);

  const target = (request: FastifyRequest) => ({
    host: HOST.test(request.host) ? request.host : `${ctx.config.host}:${ctx.config.port}`,
    protocol: request.protocol === "https" ? ("wss" as const) : ("ws" as const),
  });

  app.get("/asyncapi.json", async (request: FastifyRequest, reply: FastifyReply) => {
    const { host, protocol } = target(request);
    return reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(build(host, protocol));
  });

  // The same document, validated and resolved by the official parser (once, in a worker thread,
  // when first asked for), for the page to render; each reader's host is then a JSON edit.
  let parsed: Promise<string> | undefined;
  app.get(DOCUMENT_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    const { host, protocol } = target(request);
    parsed ??= renderableDocument(build(`${ctx.config.host}:${ctx.config.port}`, "ws"));
    return reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(forServer(await parsed, host, protocol));
  });

  app.get("/openapi.json", async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(JSON.stringify(await openApiDocument())),
  );

  for (const [path, { body, type }] of contents) {
    const handler = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .header("content-type", type)
        .header("content-security-policy", PAGE_CSP)
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-cache")
        .send(body);
    app.get(path, handler);
    if (!path.includes(".")) app.get(`${path}/`, handler);
  }
}
