// Orders the spec files for `vitest run`: the longest first, so that with two workers the run does
// not end on one long file started last while the other worker idles (a fresh clone has no Vitest
// cache, and Vitest's fallback, larger files first, started the 44 s chaos spec last). Seconds per
// file are from one whole run on this (shared, loaded) machine, `npx vitest run --reporter=json
// --outputFile=...` (endTime - startTime per file); only their order matters. A file not listed
// counts as 0 s and runs after them in Vitest's order: add a spec file here when it becomes a
// long one.
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const SECONDS: Record<string, number> = {
  "apps/server/test/cli.test.ts": 72,
  "bench/test/chaos.test.ts": 67,
  "apps/server/test/storage.test.ts": 56,
  "apps/web/test/dashboard-ui.test.ts": 51,
  "apps/web/test/sso.test.ts": 47,
  "apps/server/test/admin.test.ts": 43,
  "apps/server/test/alerts-notify.test.ts": 42,
  "apps/server/test/docs.test.ts": 39,
  "apps/server/test/dashboard-consumer.test.ts": 39,
  "apps/server/test/exact-delivery.test.ts": 38,
  "apps/server/test/abuse-limits.test.ts": 36,
  "apps/server/test/durability.test.ts": 32,
  "apps/web/test/server-restart.test.ts": 31,
  "apps/web/test/series-panels.test.ts": 30,
  "apps/web/test/panels.test.ts": 29,
  "apps/server/test/backup-restore.test.ts": 29,
  "apps/server/test/fuzz.test.ts": 27,
  "apps/server/test/definition.test.ts": 26,
  "apps/web/test/dashboard-settings.test.ts": 25,
  "apps/web/test/accessibility.test.ts": 25,
  "apps/web/test/metric-settings.test.ts": 24,
  "apps/server/test/config-file.test.ts": 23,
  "apps/server/test/alerts.test.ts": 21,
  "apps/server/test/accounts.test.ts": 19,
  "apps/server/test/rolling-restart.test.ts": 19,
  "apps/web/test/rule-sets.test.ts": 20,
  "apps/web/test/chart-reading.test.ts": 18,
  "apps/server/test/main.test.ts": 18,
  "apps/web/test/users-page.test.ts": 17,
  "apps/server/test/alerts-states.test.ts": 11,
  "apps/server/test/auth.test.ts": 11,
  "apps/server/test/receivers-remote-write.test.ts": 10,
  "apps/server/test/observability.test.ts": 10,
  "apps/server/test/cluster.test.ts": 10,
  "apps/server/test/slow-consumer.test.ts": 9,
  "test-support/test/servers.test.ts": 9,
  "apps/server/test/revocation.test.ts": 8,
  "apps/server/test/receivers-line-protocol.test.ts": 8,
  "apps/server/test/alert-rule-sets.test.ts": 7,
  "apps/server/test/sso-store.test.ts": 7,
  "apps/server/test/audit.test.ts": 7,
  "packages/client/test/exactly-once.test.ts": 7,
  "packages/channels/test/asyncapi.test.ts": 6,
  "packages/channels/test/redis-cluster.test.ts": 6,
  "apps/server/test/replay-pacing.test.ts": 6,
  "apps/web/test/alert-states.test.ts": 6,
  "apps/web/test/freshness.test.ts": 5,
  "examples/chat/test/page.test.ts": 5,
  "apps/server/test/redis-cluster.test.ts": 5,
  "packages/client/test/react-hook.test.ts": 4,
  "apps/server/test/drain.test.ts": 4,
  "packages/channels/test/shared-fanout.test.ts": 4,
  "apps/server/test/storage-migration.test.ts": 4,
  "examples/chat/test/chat.test.ts": 4,
  "apps/server/test/collectors-system.test.ts": 4,
  "packages/client/test/real-server.test.ts": 4,
  "apps/server/test/history-export.test.ts": 3,
  "apps/web/test/definition-ui.test.ts": 3,
  "apps/server/test/dashboards.test.ts": 3,
  "apps/server/test/small-defects.test.ts": 3,
  "apps/server/test/alerts-outbox.test.ts": 3,
  "apps/server/test/ingest.test.ts": 3,
  "apps/web/test/account.test.ts": 3,
  "packages/channels/test/limits.test.ts": 3,
  "apps/server/test/collectors-synthetic.test.ts": 2,
  "apps/server/test/collectors-prometheus-scrape.test.ts": 2,
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byDefault = await super.sort(files);
    const seconds = (spec: TestSpecification) =>
      SECONDS[relative(spec.project.config.root, spec.moduleId).split("\\").join("/")] ?? 0;
    // Array.prototype.sort is stable: unlisted files keep Vitest's order among themselves.
    return byDefault.sort((a, b) => seconds(b) - seconds(a));
  }
}
