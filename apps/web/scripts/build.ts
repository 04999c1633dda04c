// Builds apps/web/dist when it is missing or older than the sources. Run under a lock by the
// e2e tests (several test files may ask at once), and usable by hand: `npx tsx apps/web/scripts/build.ts`.
import { execFileSync } from "node:child_process";
import { isBuildStale, WEB_ROOT } from "../test/build-check.ts";

if (isBuildStale()) {
  execFileSync(process.execPath, [viteBin(), "build"], {
    cwd: WEB_ROOT,
    stdio: "inherit",
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build (double
    // effects under StrictMode, slower renders): specs and benchmarks test what users get.
    env: { ...process.env, NODE_ENV: "production" },
  });
}

function viteBin(): string {
  return new URL("../../../node_modules/vite/bin/vite.js", import.meta.url).pathname;
}
