// Builds the page's bundle (dist/) when it is missing or older than its sources. Specs call it
// before starting a host; several test files may ask at once, so the build runs under a lock and
// the others find it fresh.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DIST } from "./index.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** Whether dist/ is missing or older than any of its sources. */
export function isStale(): boolean {
  const manifest = join(DIST, ".vite/manifest.json");
  if (!existsSync(manifest)) return true;
  const built = statSync(manifest).mtimeMs;
  return ["page", "vite.config.ts", "package.json"].some((p) => newest(join(ROOT, p)) > built);
}

/** Runs Vite when the bundle is stale (Vite sets NODE_ENV=production unless told otherwise). */
export function buildIfStale(): void {
  if (!isStale()) return;
  const vite = new URL("../../../node_modules/vite/bin/vite.js", import.meta.url).pathname;
  // Vitest sets NODE_ENV=test, which would bundle React's development build.
  execFileSync(process.execPath, [vite, "build"], {
    cwd: ROOT,
    stdio: "pipe",
    env: { ...process.env, NODE_ENV: "production" },
  });
}

/**
 * `buildIfStale` under a lock, in a child process: a file that waited for the lock checks again
 * and finds the bundle fresh, instead of emptying dist/ under a host that is reading it.
 */
export function ensurePageBuilt(): void {
  if (!isStale()) return;
  execFileSync(
    "flock",
    [
      "/tmp/pulseboard-asyncapi-page.lock",
      process.execPath,
      "--import",
      "tsx",
      join(ROOT, "scripts/build.ts"),
    ],
    { cwd: ROOT, stdio: "pipe" },
  );
}
