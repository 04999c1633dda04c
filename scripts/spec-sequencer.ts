// Orders the spec files for `vitest run`: the longest first, so that with two workers the run does
// not end on one long file started last while the other worker idles (a fresh clone has no Vitest
// cache, and Vitest's fallback, larger files first, started the 44 s chaos spec last). Seconds per
// file are from one whole run on this machine (`npx vitest run --reporter=json`); a file not
// listed counts as 0 s and runs after them in Vitest's order. Update the table when a spec file
// becomes one of the long ones.
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const SECONDS: Record<string, number> = {
  "apps/server/test/cli.test.ts": 62,
  "apps/web/test/sso.test.ts": 46,
  "apps/web/test/dashboard-ui.test.ts": 46,
  "bench/test/chaos.test.ts": 44,
  "apps/server/test/admin.test.ts": 44,
  "apps/server/test/rolling-restart.test.ts": 32,
  "apps/server/test/abuse-limits.test.ts": 31,
  "apps/server/test/alerts-notify.test.ts": 30,
  "apps/server/test/dashboard-consumer.test.ts": 30,
  "apps/web/test/chart-reading.test.ts": 29,
  "apps/web/test/server-restart.test.ts": 28,
  "apps/web/test/metric-settings.test.ts": 28,
  "apps/server/test/cluster.test.ts": 28,
  "apps/web/test/panels.test.ts": 26,
  "apps/web/test/dashboard-settings.test.ts": 26,
  "apps/server/test/definition.test.ts": 25,
  "apps/server/test/docs.test.ts": 25,
  "apps/server/test/durability.test.ts": 25,
  "apps/server/test/backup-restore.test.ts": 24,
  "apps/server/test/storage.test.ts": 23,
  "apps/server/test/redis-cluster.test.ts": 23,
  "apps/server/test/exact-delivery.test.ts": 22,
  "apps/web/test/accessibility.test.ts": 21,
  "apps/web/test/users-page.test.ts": 20,
  "apps/server/test/config-file.test.ts": 19,
  "apps/web/test/definition-ui.test.ts": 18,
  "apps/server/test/fuzz.test.ts": 18,
  "apps/server/test/alerts.test.ts": 18,
  "apps/server/test/observability.test.ts": 17,
  "packages/client/test/exactly-once.test.ts": 17,
  "apps/server/test/accounts.test.ts": 17,
  "apps/web/test/chart-performance.test.ts": 16,
  "apps/server/test/main.test.ts": 15,
  "apps/server/test/alerts-states.test.ts": 14,
  "apps/web/test/alert-states.test.ts": 14,
  "apps/web/test/freshness.test.ts": 13,
  "apps/server/test/receivers-remote-write.test.ts": 12,
  "apps/server/test/revocation.test.ts": 12,
  "apps/server/test/auth.test.ts": 11,
  "apps/server/test/audit.test.ts": 11,
  "apps/server/test/alerts-cluster.test.ts": 11,
  "apps/server/test/receivers-line-protocol.test.ts": 11,
  "apps/web/test/account.test.ts": 11,
  "apps/server/test/storage-migration.test.ts": 10,
  "apps/server/test/slow-consumer.test.ts": 10,
  "apps/server/test/alerts-notify-cluster.test.ts": 9,
  "apps/server/test/alerts-outbox.test.ts": 9,
  "apps/server/test/dashboards.test.ts": 9,
  "apps/server/test/ingest.test.ts": 9,
  "bench/test/storage-same-data.test.ts": 8,
  "packages/client/test/real-server.test.ts": 8,
  "apps/server/test/collectors-integration.test.ts": 7,
  "packages/channels/test/redis-cluster.test.ts": 7,
  "apps/server/test/history-export.test.ts": 7,
  "apps/server/test/small-defects.test.ts": 7,
  "examples/chat/test/page.test.ts": 7,
  "apps/server/test/replay-pacing.test.ts": 6,
  "apps/server/test/receivers-otlp.test.ts": 6,
  "apps/server/test/sso-store.test.ts": 6,
  "packages/channels/test/asyncapi.test.ts": 5,
  "apps/server/test/rest-contract.test.ts": 4,
  "apps/server/test/rest-routes.test.ts": 4,
  "test-support/test/servers.test.ts": 4,
  "packages/client/test/react-hook.test.ts": 4,
  "apps/server/test/drain.test.ts": 4,
  "packages/channels/test/shared-fanout.test.ts": 4,
  "apps/server/test/collectors-system.test.ts": 4,
  "apps/server/test/existence.test.ts": 4,
  "apps/server/test/dashboard-contract.test.ts": 3,
  "apps/server/test/db-outage.test.ts": 3,
  "apps/server/test/receivers-bad-input.test.ts": 3,
  "examples/chat/test/chat.test.ts": 3,
  "packages/channels/test/limits.test.ts": 3,
  "apps/server/test/json-body.test.ts": 3,
  "apps/server/test/error-table.test.ts": 2,
  "apps/server/test/handshake-cache.test.ts": 2,
  "apps/server/test/collectors-synthetic.test.ts": 2,
  "apps/server/test/collectors-prometheus-scrape.test.ts": 2,
  "apps/server/test/static-paths.test.ts": 2,
  "apps/server/test/alerts-webhook-guard.test.ts": 2,
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
