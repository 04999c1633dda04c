import { defineConfig } from "vitest/config";

// One runner for the whole monorepo: every package keeps its tests in test/ beside its src/.
// Tests start real servers (Redis, PostgreSQL, nginx, Chromium), so they get generous timeouts
// and run files in parallel forks, two at a time on this 2-core machine.
export default defineConfig({
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "test-support/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
});
