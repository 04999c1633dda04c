// Owns the AsyncAPI page every host of the framework serves at /docs (the server, the chat
// example): the browser bundle (page/, built by Vite into dist/), the HTML shell that loads it,
// and the document in the form the page renders. The official parser validates the document and
// resolves its $refs here, in Node (in a worker thread): in the browser it would compile its
// schemas with eval, which the page's Content-Security-Policy forbids.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

export const DIST = new URL("../dist/", import.meta.url).pathname;

/** Where the page fetches the parsed document (see `renderableDocument`). */
export const DOCUMENT_PATH = "/docs/document.json";

/**
 * The policy the page holds to: its own scripts and styles only (no inline code, no CDN, no
 * eval), fetches from its own origin, images only from its own origin.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface PageFile {
  body: Buffer;
  type: string;
}

export interface PageOptions {
  /** The page's <title>. */
  title: string;
  /** Links shown above the document (e.g. the raw document, a playground). */
  links?: { href: string; text: string }[];
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function shell(options: PageOptions, scripts: string[], styles: string[]): string {
  const links = (options.links ?? [])
    .map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>`)
    .join("");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(options.title)}</title>`,
    ...styles.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`),
    ...scripts.map((src) => `<script type="module" src="${escapeHtml(src)}"></script>`),
    "</head>",
    "<body>",
    links ? `<nav class="pb-links">${links}</nav>` : "",
    `<div id="root" data-spec="${DOCUMENT_PATH}"><p>Loading the AsyncAPI document…</p></div>`,
    "</body>",
    "</html>",
  ].join("\n");
}

const HINT =
  "<!doctype html><title>AsyncAPI page not built</title><p>The AsyncAPI page has not been built: run " +
  "<code>npm run build -w @pulseboard/asyncapi-page</code> and restart. The document itself is at " +
  '<a href="/asyncapi.json">/asyncapi.json</a>.</p>';

/**
 * The page's files by URL path: "/docs" (the HTML shell) and "/docs/assets/…" (the bundle). Read
 * once; without a build, "/docs" is a page saying how to build it.
 */
export function asyncApiPage(options: PageOptions): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  const manifestPath = join(DIST, ".vite/manifest.json");
  if (!existsSync(manifestPath)) {
    files.set("/docs", { body: Buffer.from(HINT), type: "text/html; charset=utf-8" });
    return files;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<
    string,
    { file: string; css?: string[]; isEntry?: boolean }
  >;
  const entry = Object.values(manifest).find((m) => m.isEntry);
  if (!entry) throw new Error(`no entry in ${manifestPath}`);
  const html = shell(
    options,
    [`/docs/${entry.file}`],
    (entry.css ?? []).map((c) => `/docs/${c}`),
  );
  files.set("/docs", { body: Buffer.from(html), type: "text/html; charset=utf-8" });
  for (const name of readdirSync(join(DIST, "assets"))) {
    const type = TYPES[name.slice(name.lastIndexOf("."))];
    if (type) files.set(`/docs/assets/${name}`, { body: readFileSync(join(DIST, "assets", name)), type });
  }
  return files;
}

/**
 * An AsyncAPI document (JSON text) → the parser's serialized form, which the page renders
 * without parsing again. Runs in a worker thread (parse-worker.mjs): the parser's validation
 * takes seconds of CPU. Rejects when the official parser reports errors.
 */
export function renderableDocument(json: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./parse-worker.mjs", import.meta.url), { workerData: json });
    worker.once("message", (result: { ok: true; text: string } | { ok: false; errors: string[] }) => {
      if (result.ok) resolve(result.text);
      else reject(new Error(`invalid AsyncAPI document: ${result.errors.join("; ")}`));
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`AsyncAPI parse worker exited with code ${code}`)));
  });
}

/**
 * A renderable document naming another server host and protocol (the one the reader connected
 * to): a JSON edit, so one parse serves every host.
 */
export function forServer(renderable: string, host: string, protocol: "ws" | "wss"): string {
  const doc = JSON.parse(renderable) as { servers?: Record<string, { host?: string; protocol?: string }> };
  for (const server of Object.values(doc.servers ?? {})) {
    if (server && typeof server === "object") Object.assign(server, { host, protocol });
  }
  return JSON.stringify(doc);
}
