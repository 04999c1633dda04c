import { defineConfig } from "vitest/config";
import LongestFirst from "./scripts/spec-sequencer.ts";
import { redirectWorkerShims } from "./test-support/src/bundles.ts";

// One runner for the whole monorepo: every package keeps its tests in test/ beside its src/.
// Tests start real servers (Redis, PostgreSQL, nginx, Chromium), so they get generous timeouts
// and run files in parallel forks, two at a time on this 2-core machine, the longest first.
export default defineConfig({
  plugins: [
    {
      // An app a spec builds in-process starts its read workers from the bundle of
      // reader-worker.ts the global setup made, not through tsx (test-support/src/bundles.ts).
      name: "pulseboard-spec-worker-bundles",
      transform(code, id) {
        if (id.includes("/node_modules/") || !code.includes(".mjs")) return undefined;
        const redirected = redirectWorkerShims(code, id.split("?")[0]!);
        return redirected === code ? undefined : { code: redirected, map: null };
      },
    },
  ],
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "test-support/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
    ],
    globalSetup: ["test-support/src/spec-setup.ts"],
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    // expect.poll waits for an outcome (a redrawn legend, a stored row): 1 s, vitest's default, is
    // shorter than a browser re-render takes on the 2 shared cores under the full suite.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    pool: "forks",
    // Each fork runs file after file with one module cache: a file no longer pays ~1.5 s (far
    // more under load) importing the server's module graph again (170 s of the run's time in all,
    // 22 s since). Specs share no module state: each builds its own app, database and servers
    // and stops them, and spies are restored.
    isolate: false,
    maxWorkers: 2,
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
});
