// Owns serving the web UI: files of apps/web/dist, the SPA fallback to index.html for the UI's
// own routes (apps/web/src/app/router.ts), a hint page when the UI has not been built, and a
// JSON 404 for every other path, so a scraper or agent pointed at a wrong path (`/metrics`-like,
// `/api/...`, `/-/healthy`) gets a clear answer rather than the UI's HTML.
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

// The UI loads only its own scripts; React and uPlot style elements through the CSSOM, which
// style-src does not govern, but the hint page's style attribute needs 'unsafe-inline'.
const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// The client-side routes of the UI (apps/web/src/app/router.ts): `/`, `/login`, `/tokens`,
// `/account`, `/admin/users`, `/dashboards[/<id>]`.
const UI_ROUTE = /^\/(?:login\/?|tokens\/?|account\/?|admin\/users\/?|dashboards(?:\/[0-9]{1,15})?\/?)?$/;

export async function registerWeb(app: FastifyInstance, webDist: string) {
  // Every response: no MIME sniffing, no full URLs leaked to other sites; HTML pages without a
  // policy of their own (the docs pages set a stricter one) get the UI's.
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "same-origin");
    const type = String(reply.getHeader("content-type") ?? "");
    if (type.startsWith("text/html") && !reply.hasHeader("content-security-policy"))
      reply.header("content-security-policy", UI_CSP);
    return payload;
  });
  // `..` segments, NUL and undecodable escapes name no file of the UI: a plain 404 here, before
  // the static handler turns them into errors (they answered 500 with a stack trace each).
  app.addHook("onRequest", async (request) => {
    const raw = request.url.split("?")[0] ?? "";
    if (raw.startsWith("/api/") || raw.startsWith("/ws/")) return;
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      throw new NotFoundError("Route not found");
    }
    if (path.includes("\u0000") || path.split(/[\\/]/).includes(".."))
      throw new NotFoundError("Route not found");
  });
  const built = existsSync(join(webDist, "index.html"));
  if (built) await app.register(fastifyStatic, { root: webDist, wildcard: true, index: ["index.html"] });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if ((request.method !== "GET" && request.method !== "HEAD") || !UI_ROUTE.test(path))
      throw new NotFoundError("Route not found");
    reply.header("cache-control", "no-cache");
    if (built) return reply.sendFile("index.html");
    return reply.type("text/html; charset=utf-8").send(HINT_PAGE);
  });
}
