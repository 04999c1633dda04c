// Owns the bundled entry points that specs run instead of `node --import tsx <file>.ts`. Through
// tsx every such process spends ~1.3 s loading TypeScript (each module goes through tsx's loader
// thread) before it does anything, and every read worker of a server (reader-worker.mjs registers
// tsx again in its thread) another ~1 s; the CLI spec alone started 30 such processes. esbuild —
// the transpiler tsx itself uses — bundles the same sources once per `vitest run` (~0.1 s) and
// node loads a bundle in ~0.1 s. So the code under test is the same, only its loading differs.
// `npm start` and the systemd unit still run through tsx, and main.test.ts keeps that path
// under test (spawnMain with `viaTsx`).
//
// A bundle behaves as its sources: every `import.meta.url` / `dirname` / `filename` in our files
// is replaced by the source file's own value (config finds the repo, the docs their public files),
// workspace packages are bundled in, and npm packages stay imports, resolved by node as before
// (a package with a nested copy, like channels' `cookie`, is imported by that copy's path).
// A worker shim (`new URL("./x.mjs", import.meta.url)` beside an x.ts, which registers tsx and
// imports x.ts) is pointed at a bundle of x.ts.
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const REPO = resolve(import.meta.dirname, "../..");
const ROOT_MODULES = join(REPO, "node_modules") + sep;

/** Where bundles go: inside the repo, so that node resolves their npm imports from node_modules. */
export const BUNDLE_DIR = join(REPO, "node_modules/.cache/pulseboard-spec-bundles");

/** The environment variable by which spec processes learn that the bundles of this run exist. */
const BUNDLES_ENV = "PB_SPEC_BUNDLES";

/** Entry points (repo-relative) that specs spawn or load in worker threads. */
const ENTRIES = [
  "apps/server/src/cli.ts",
  "apps/server/src/main.ts",
  "apps/server/src/storage/reader-worker.ts",
  "apps/server/src/storage/writer-worker.ts",
];

/** The bundle file of a repo-relative `.ts` entry. */
function bundleOf(entry: string): string {
  return join(BUNDLE_DIR, `${entry.replaceAll("/", "__").replace(/\.ts$/, "")}.mjs`);
}

const SHIM = /new URL\((["'])\.\/([\w.-]+)\.mjs\1, import\.meta\.url\)/g;

/** `new URL("./x.mjs", import.meta.url)` of a worker shim beside a bundled x.ts → the bundle's URL. */
export function redirectWorkerShims(code: string, file: string): string {
  return code.replace(SHIM, (whole, _quote: string, name: string) => {
    const entry = relative(REPO, join(dirname(file), `${name}.ts`))
      .split(sep)
      .join("/");
    if (!ENTRIES.includes(entry)) return whole;
    return `new URL(${JSON.stringify(pathToFileURL(bundleOf(entry)).href)})`;
  });
}

function sourceLike(): Plugin {
  return {
    name: "pulseboard-source-like",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "inner" || args.path.startsWith("node:")) return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "inner",
        });
        if (found.errors.length > 0 || found.external) return found;
        // Workspace packages resolve (through their symlink) to our own sources: bundle them.
        if (!found.path.includes(`${sep}node_modules${sep}`)) return found;
        // npm packages stay imports; a copy nested under a workspace is imported by its path.
        return { path: found.path.startsWith(ROOT_MODULES) ? args.path : found.path, external: true };
      });
      b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const url = pathToFileURL(args.path).href;
        const contents = redirectWorkerShims(await readFile(args.path, "utf8"), args.path)
          .replaceAll("import.meta.url", JSON.stringify(url))
          .replaceAll("import.meta.dirname", JSON.stringify(dirname(args.path)))
          .replaceAll("import.meta.filename", JSON.stringify(args.path));
        return { contents, loader: args.path.endsWith("ts") ? "ts" : "js" };
      });
    },
  };
}

/**
 * Bundles every entry into BUNDLE_DIR (each written beside and renamed over the old one, so a run
 * that is reading a bundle never sees half a file) and tells spec processes so.
 */
export async function buildSpecBundles(): Promise<void> {
  mkdirSync(BUNDLE_DIR, { recursive: true });
  await Promise.all(
    ENTRIES.map(async (entry) => {
      const result = await build({
        entryPoints: [join(REPO, entry)],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        write: false,
        logLevel: "warning",
        plugins: [sourceLike()],
      });
      const out = bundleOf(entry);
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, result.outputFiles[0]!.contents);
      renameSync(tmp, out);
    }),
  );
  process.env[BUNDLES_ENV] = BUNDLE_DIR;
}

/**
 * The node arguments that run `script` (a `.ts` file, absolute or relative to the repo): its bundle
 * when this vitest run built one, else through tsx as before (benchmarks run by hand, a script
 * without a bundle).
 */
export function nodeEntry(script: string): string[] {
  const entry = relative(REPO, resolve(REPO, script)).split(sep).join("/");
  if (process.env[BUNDLES_ENV] && ENTRIES.includes(entry) && existsSync(bundleOf(entry)))
    return [bundleOf(entry)];
  return ["--import", "tsx", resolve(REPO, script)];
}
