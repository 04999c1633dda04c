// Owns the notification policy: which contact points hear of a transition (the rules they follow,
// whether they want resolves), silences (a rule or the whole dashboard muted until a time),
// grouping (transitions within a contact point's group_wait_ms leave in one message) and repeats
// of a still-firing alert. It only writes outbox rows, inside the caller's transaction, so the
// notification exists exactly when the transition does.
import { ruleIdsOf } from "./contact-points.ts";
import type { NotificationItem } from "./notifiers/message.ts";
import {
  type ContactPointRow,
  enabledContactPoints,
  enqueue,
  lastNotification,
  listSilences,
  type NewNotification,
  openGroupDue,
  type SilenceRow,
} from "./notify-store.ts";
import type { AlertDb } from "./store.ts";

function follows(cp: ContactPointRow, ruleId: number): boolean {
  const ids = ruleIdsOf(cp);
  return ids === null || ids.includes(ruleId);
}

export function silencedUntil(silences: SilenceRow[], ruleId: number, now: number): number | null {
  let until: number | null = null;
  for (const s of silences) {
    if (s.ends_at > now && (s.rule_id === null || s.rule_id === ruleId))
      until = Math.max(until ?? 0, Number(s.ends_at));
  }
  return until;
}

/** Outbox rows for transitions of one dashboard's rules; returns the ids written. */
export async function notifyTransitions(
  db: AlertDb,
  dashboardId: number,
  items: NotificationItem[],
  now: number,
): Promise<number[]> {
  if (items.length === 0) return [];
  const cps = await enabledContactPoints(db, dashboardId);
  if (cps.length === 0) return [];
  const silences = await listSilences(db, dashboardId, now);
  const rows: NewNotification[] = [];
  for (const cp of cps) {
    const wanted = items.filter(
      (i) =>
        follows(cp, i.rule_id) &&
        (i.state === "firing" || Number(cp.send_resolved) === 1) &&
        silencedUntil(silences, i.rule_id, now) === null,
    );
    if (wanted.length === 0) continue;
    // Join the contact point's open group if one is waiting, else open one.
    const due = (await openGroupDue(db, cp.id, now)) ?? now + Number(cp.group_wait_ms);
    for (const i of wanted) {
      rows.push({
        contact_point_id: cp.id,
        dashboard_id: dashboardId,
        rule_id: i.rule_id,
        dedupe_key: `${cp.id}:${i.event_id}`,
        payload: JSON.stringify(i),
        next_attempt_at: due,
      });
    }
  }
  return enqueue(db, rows, now);
}

/** An open (firing / no_data) alert as the repeat scan sees it. */
export type OpenAlert = { dashboardId: number; item: NotificationItem };

/**
 * Repeats still-open alerts to contact points with a repeat interval, when their newest
 * notification for that rule is older than the interval. The dedupe key names the notification
 * being repeated, so two nodes scanning at once write one repeat.
 */
export async function notifyRepeats(db: AlertDb, open: OpenAlert[], now: number): Promise<number[]> {
  const byDashboard = new Map<number, OpenAlert[]>();
  for (const o of open) byDashboard.set(o.dashboardId, [...(byDashboard.get(o.dashboardId) ?? []), o]);
  const written: number[] = [];
  for (const [dashboardId, alerts] of byDashboard) {
    const cps = (await enabledContactPoints(db, dashboardId)).filter(
      (cp) => Number(cp.repeat_interval_s) > 0,
    );
    if (cps.length === 0) continue;
    const silences = await listSilences(db, dashboardId, now);
    const rows: NewNotification[] = [];
    for (const cp of cps) {
      for (const { item } of alerts) {
        if (!follows(cp, item.rule_id) || silencedUntil(silences, item.rule_id, now) !== null) continue;
        const last = await lastNotification(db, cp.id, item.rule_id);
        if (!last || Number(last.created_at) + Number(cp.repeat_interval_s) * 1000 > now) continue;
        const lastItem = JSON.parse(last.payload) as NotificationItem;
        if (lastItem.event_id !== item.event_id) continue; // the open alert was never notified here
        rows.push({
          contact_point_id: cp.id,
          dashboard_id: dashboardId,
          rule_id: item.rule_id,
          dedupe_key: `${cp.id}:${item.event_id}:repeat-of:${last.id}`,
          payload: JSON.stringify({ ...item, repeat: true }),
          next_attempt_at: now,
        });
      }
    }
    written.push(...(await enqueue(db, rows, now)));
  }
  return written;
}
