// Owns the developer pages: the AsyncAPI document at /asyncapi.json and the OpenAPI document of
// the REST route table at /openapi.json, their rendering at /docs, and the WebSocket playground at
// /playground. Pages and scripts are files in ./public served with a strict Content-Security-Policy
// (no inline script, no third-party origin).
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import { asyncApiBuilder } from "./asyncapi.ts";
import { openApiDocument } from "./openapi.ts";

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const FILES: Record<string, { file: string; type: string }> = {
  "/docs": { file: "docs.html", type: "text/html; charset=utf-8" },
  "/docs/docs.js": { file: "docs.js", type: "text/javascript; charset=utf-8" },
  "/docs/openapi.js": { file: "openapi.js", type: "text/javascript; charset=utf-8" },
  "/docs/pages.css": { file: "pages.css", type: "text/css; charset=utf-8" },
  "/docs/theme.js": { file: "theme.js", type: "text/javascript; charset=utf-8" },
  "/playground": { file: "playground.html", type: "text/html; charset=utf-8" },
  "/playground/playground.js": { file: "playground.js", type: "text/javascript; charset=utf-8" },
};

// A host header is echoed into the document: accept only a plain host[:port].
const HOST = /^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::[0-9]{1,5})?$/;

export function docsPlugin(app: FastifyInstance, ctx: AppContext): void {
  const build = asyncApiBuilder(ctx);
  const contents = new Map<string, Buffer>();
  for (const [path, { file }] of Object.entries(FILES)) {
    contents.set(path, readFileSync(new URL(`./public/${file}`, import.meta.url)));
  }

  app.get("/asyncapi.json", async (request: FastifyRequest, reply: FastifyReply) => {
    const host = HOST.test(request.host) ? request.host : `${ctx.config.host}:${ctx.config.port}`;
    const protocol = request.protocol === "https" ? "wss" : "ws";
    return reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(build(host, protocol));
  });

  app.get("/openapi.json", async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(JSON.stringify(await openApiDocument())),
  );

  for (const [path, { type }] of Object.entries(FILES)) {
    const body = contents.get(path)!;
    const handler = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .header("content-type", type)
        .header("content-security-policy", CSP)
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-cache")
        .send(body);
    app.get(path, handler);
    if (!path.includes(".")) app.get(`${path}/`, handler);
  }
}
