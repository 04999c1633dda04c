// Owns the SQL of alert notifications: contact points, silences, the outbox (enqueue, claim with a
// lease, settle) and the delivery log. The tables are declared here and joined to the alerting
// schema in store.ts.
import type { Selectable } from "kysely";
import type {
  AlertDb,
  ContactPointsTable,
  DeliveriesTable,
  NotificationsTable,
  SilencesTable,
} from "./tables.ts";

export type { NotificationStatus } from "./tables.ts";

export type ContactPointRow = Selectable<ContactPointsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type SilenceRow = Selectable<SilencesTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;

// ---- contact points ---------------------------------------------------------------------------

export type ContactPointValues = Omit<ContactPointsTable, "id" | "created_at" | "dashboard_id">;

export async function insertContactPoint(
  db: AlertDb,
  dashboardId: number,
  values: ContactPointValues,
): Promise<ContactPointRow> {
  return db
    .insertInto("alert_contact_points")
    .values({ ...values, dashboard_id: dashboardId, created_at: Date.now() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateContactPoint(
  db: AlertDb,
  id: number,
  values: Partial<ContactPointValues>,
): Promise<void> {
  await db.updateTable("alert_contact_points").set(values).where("id", "=", id).execute();
}

export async function getContactPoint(db: AlertDb, id: number): Promise<ContactPointRow | undefined> {
  return db.selectFrom("alert_contact_points").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listContactPoints(db: AlertDb, dashboardId: number): Promise<ContactPointRow[]> {
  return db
    .selectFrom("alert_contact_points")
    .selectAll()
    .where("dashboard_id", "=", dashboardId)
    .orderBy("id")
    .execute();
}

export async function deleteContactPoint(db: AlertDb, id: number): Promise<void> {
  await db.deleteFrom("alert_contact_points").where("id", "=", id).execute();
}

// ---- silences ---------------------------------------------------------------------------------

export async function insertSilence(
  db: AlertDb,
  values: Omit<SilencesTable, "id" | "created_at">,
): Promise<SilenceRow> {
  return db
    .insertInto("alert_silences")
    .values({ ...values, created_at: Date.now() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Silences of a dashboard that end after `since` (the active ones when since = now). */
export async function listSilences(db: AlertDb, dashboardId: number, since: number): Promise<SilenceRow[]> {
  return db
    .selectFrom("alert_silences")
    .selectAll()
    .where("dashboard_id", "=", dashboardId)
    .where("ends_at", ">", since)
    .orderBy("id")
    .execute();
}

export async function getSilence(db: AlertDb, id: number): Promise<SilenceRow | undefined> {
  return db.selectFrom("alert_silences").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function deleteSilence(db: AlertDb, id: number): Promise<void> {
  await db.deleteFrom("alert_silences").where("id", "=", id).execute();
}

// ---- outbox -----------------------------------------------------------------------------------

export type NewNotification = Pick<
  NotificationsTable,
  "contact_point_id" | "dashboard_id" | "rule_id" | "dedupe_key" | "payload" | "next_attempt_at"
>;

/** Writes outbox rows; a row whose dedupe_key exists already is skipped (it was written once). */
export async function enqueue(db: AlertDb, rows: NewNotification[], now: number): Promise<number[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insertInto("alert_notifications")
    .values(rows.map((r) => ({ ...r, status: "pending" as const, attempts: 0, created_at: now })))
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .returning("id")
    .execute();
  return inserted.map((r) => Number(r.id));
}

/**
 * The due time of a contact point's open group: a pending, never-tried row due later than now.
 * A transition joining it is sent with it (grouping).
 */
export async function openGroupDue(db: AlertDb, contactPointId: number, now: number): Promise<number | null> {
  const row = await db
    .selectFrom("alert_notifications")
    .select((eb) => eb.fn.min("next_attempt_at").as("due"))
    .where("contact_point_id", "=", contactPointId)
    .where("status", "=", "pending")
    .where("attempts", "=", 0)
    .where("next_attempt_at", ">", now)
    .executeTakeFirst();
  return row?.due == null ? null : Number(row.due);
}

/**
 * Claims due rows for this node: pending ones whose time has come and sending ones whose lease ran
 * out (their node died mid-delivery). On PostgreSQL the candidate rows are locked with SKIP LOCKED,
 * so two nodes claiming at once get disjoint rows; on SQLite the transaction is exclusive.
 */
export async function claimDue(
  db: AlertDb,
  node: string,
  now: number,
  leaseMs: number,
  limit: number,
  postgres: boolean,
  busyContactPoints: number[] = [],
): Promise<NotificationRow[]> {
  const dueIn = (d: AlertDb) => {
    let q = d
      .selectFrom("alert_notifications")
      .where((eb) =>
        eb.or([
          eb.and([eb("status", "=", "pending"), eb("next_attempt_at", "<=", now)]),
          eb.and([eb("status", "=", "sending"), eb("lease_until", "<", now)]),
        ]),
      )
      .orderBy("id")
      .limit(limit);
    if (busyContactPoints.length > 0) q = q.where("contact_point_id", "not in", busyContactPoints);
    return q;
  };
  // SQLite: one node, whose in-memory busy set is the claim; nothing is written until the outcome.
  if (!postgres) return dueIn(db).selectAll().execute();
  return db.transaction().execute(async (trx) => {
    const ids = (await dueIn(trx).select("id").forUpdate().skipLocked().execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    return trx
      .updateTable("alert_notifications")
      .set({ status: "sending", claimed_by: node, lease_until: now + leaseMs })
      .where("id", "in", ids)
      .returningAll()
      .execute();
  });
}

/** Settles rows after an attempt; claimed rows (PostgreSQL) only while this node still holds them. */
export async function settle(
  db: AlertDb,
  ids: number[],
  node: string,
  outcome: { ok: true; at: number } | { ok: false; error: string; retryAt: number | null; attempts: number },
  claimed = true,
): Promise<void> {
  if (ids.length === 0) return;
  const q = claimed
    ? db
        .updateTable("alert_notifications")
        .where("id", "in", ids)
        .where("status", "=", "sending")
        .where("claimed_by", "=", node)
    : db
        .updateTable("alert_notifications")
        .where("id", "in", ids)
        .where("status", "in", ["pending", "sending"]);
  if (outcome.ok) {
    await q
      .set((eb) => ({
        status: "delivered",
        delivered_at: outcome.at,
        lease_until: null,
        attempts: eb("attempts", "+", 1),
      }))
      .execute();
    return;
  }
  await q
    .set({
      status: outcome.retryAt === null ? "failed" : "pending",
      attempts: outcome.attempts,
      next_attempt_at: outcome.retryAt ?? Date.now(),
      lease_until: null,
      last_error: outcome.error.slice(0, 1000),
    })
    .execute();
}

/** Hands claimed rows back untried (shutdown while they were queued here). */
export async function release(db: AlertDb, ids: number[], node: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("alert_notifications")
    .set({ status: "pending", lease_until: null, claimed_by: null })
    .where("id", "in", ids)
    .where("status", "=", "sending")
    .where("claimed_by", "=", node)
    .execute();
}

/** The newest outbox row of a (contact point, rule), for repeat intervals. */
export async function lastNotification(
  db: AlertDb,
  contactPointId: number,
  ruleId: number,
): Promise<NotificationRow | undefined> {
  return db
    .selectFrom("alert_notifications")
    .selectAll()
    .where("contact_point_id", "=", contactPointId)
    .where("rule_id", "=", ruleId)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

// ---- delivery log -----------------------------------------------------------------------------

export async function logDelivery(db: AlertDb, row: Omit<DeliveriesTable, "id">): Promise<void> {
  await db.insertInto("alert_deliveries").values(row).execute();
}

export async function listDeliveries(
  db: AlertDb,
  contactPointId: number,
  limit: number,
): Promise<DeliveryRow[]> {
  return db
    .selectFrom("alert_deliveries")
    .selectAll()
    .where("contact_point_id", "=", contactPointId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

/** The enabled contact points of a dashboard, in creation order. */
export async function enabledContactPoints(db: AlertDb, dashboardId: number): Promise<ContactPointRow[]> {
  return db
    .selectFrom("alert_contact_points")
    .selectAll()
    .where("dashboard_id", "=", dashboardId)
    .where("enabled", "=", 1)
    .orderBy("id")
    .execute();
}
