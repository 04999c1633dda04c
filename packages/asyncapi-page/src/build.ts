// Builds the page's bundle (dist/) when it is missing or older than its sources. Specs call it
// before starting a host; several test files may ask at once, so the build runs under a lock and
// the others find it fresh.
import { join } from "node:path";
import { olderThanSources, runLocked, viteBuild } from "@pulseboard/test-support";
import { DIST } from "./index.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Whether dist/ is missing or older than any of its sources. */
export function isStale(): boolean {
  return olderThanSources(
    join(DIST, ".vite/manifest.json"),
    ["page", "vite.config.ts", "package.json"].map((p) => join(ROOT, p)),
  );
}

/** Runs Vite when the bundle is stale. */
export function buildIfStale(): void {
  if (isStale()) viteBuild(ROOT);
}

/**
 * `buildIfStale` under a lock, in a child process: a file that waited for the lock checks again
 * and finds the bundle fresh, instead of emptying dist/ under a host that is reading it.
 */
export function ensurePageBuilt(): void {
  if (!isStale()) return;
  runLocked("/tmp/pulseboard-asyncapi-page.lock", join(ROOT, "scripts/build.ts"), ROOT);
}
