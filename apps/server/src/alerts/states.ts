// Owns the one-state-per-rule view (GET /dashboards/:id/alert-states): every rule of a dashboard
// with its current status, the open event (and whether it was acknowledged) and any silence,
// problems first, so a panel never has to reconstruct "is it still firing" from event history.
import type { AlertRuleState } from "@pulseboard/protocol/rest";
import { listSilences } from "./notify-store.ts";
import { silencedUntil } from "./policy.ts";
import type { AlertStatus } from "./schema.ts";
import { type AlertDb, ruleStateRows } from "./store.ts";

const ORDER: Record<AlertStatus, number> = { firing: 0, no_data: 1, pending: 2, ok: 3 };

export async function listStates(db: AlertDb, dashboardId: number, now: number): Promise<AlertRuleState[]> {
  const rows = await ruleStateRows(db, dashboardId);
  const silences = await listSilences(db, dashboardId, now);
  const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  return rows
    .map((r): AlertRuleState => {
      const enabled = Number(r.enabled) === 1;
      const status: AlertStatus = enabled ? (r.status ?? "ok") : "ok";
      return {
        rule_id: r.rule_id,
        metric_id: r.metric_id,
        status,
        since: iso(r.since),
        value: r.last_value === null ? null : Number(r.last_value),
        condition: r.condition,
        threshold: Number(r.threshold),
        enabled,
        event_id: r.event_id === null ? null : Number(r.event_id),
        acknowledged_at: iso(r.acknowledged_at),
        acknowledged_by: r.acknowledged_by,
        silenced_until: iso(silencedUntil(silences, r.rule_id, now)),
      };
    })
    .sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.rule_id - b.rule_id);
}
