// Owns serving the web UI: files of apps/web/dist, the SPA fallback to index.html for
// non-API paths, and a hint page when the UI has not been built.
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { NotFoundError } from "./errors.ts";

const HINT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Pulseboard</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>Pulseboard</h1><p>The server is running, but the web UI has not been built.</p>
<p>Run <code>npm run build -w @pulseboard/web</code> (or <code>npm start</code> from the repository root) and reload.</p>
<p>The REST API is under <code>/api/v1</code>.</p></body></html>`;

export async function registerWeb(app: FastifyInstance, webDist: string) {
  const built = existsSync(join(webDist, "index.html"));
  if (built) await app.register(fastifyStatic, { root: webDist, wildcard: true, index: ["index.html"] });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if (
      path.startsWith("/api/") ||
      path.startsWith("/ws/") ||
      (request.method !== "GET" && request.method !== "HEAD")
    )
      throw new NotFoundError("Route");
    reply.header("cache-control", "no-cache");
    if (built) return reply.sendFile("index.html");
    return reply.type("text/html; charset=utf-8").send(HINT_PAGE);
  });
}
