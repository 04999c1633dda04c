// Owns "build it if it is stale" for specs: a bundle (the web UI, the AsyncAPI page) is rebuilt
// when it is missing or older than its sources, under a lock so that spec files starting together
// build once and the others find it fresh.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time under `path` (a file, or a folder searched whole). */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newestMtime(join(path, entry)));
  return max;
}

/** Whether `output` is missing or older than any of `sources` (files or folders; absent ones do not count). */
export function olderThanSources(output: string, sources: string[]): boolean {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((p) => existsSync(p) && newestMtime(p) > built);
}

/**
 * Runs the TypeScript `script` (with tsx) under `flock lock`: a spec file that waited for the lock
 * runs it after the build finished, and the script finds the bundle fresh.
 */
export function runLocked(lock: string, script: string, cwd: string): void {
  execFileSync("flock", [lock, process.execPath, "--import", "tsx", script], { cwd, stdio: "pipe" });
}

/**
 * `vite build` in `root`. Vitest sets NODE_ENV=test, which would make Vite bundle React's
 * development build (double effects under StrictMode, slower renders): specs and benchmarks
 * test what users get.
 */
export function viteBuild(root: string): void {
  const vite = new URL("../../node_modules/vite/bin/vite.js", import.meta.url).pathname;
  execFileSync(process.execPath, [vite, "build"], {
    cwd: root,
    stdio: "pipe",
    env: { ...process.env, NODE_ENV: "production" },
  });
}
