// Owns delivering the notification outbox. Each node claims due rows in the database (a lease;
// SKIP LOCKED on PostgreSQL; on SQLite, one node owns the file, so rows are only marked as in flight
// in memory and the outcome is the one write, as every SQLite commit is an fsync on the event
// loop), sends each contact point's rows as one message, and records the
// outcome: delivered, or retried with exponential backoff until max_attempts, every attempt in
// the delivery log. Rows are written in the transaction of their transition, so a crash before
// sending loses nothing; a delivered row is never claimed again, so a restart repeats nothing. A
// node dying in the middle of a send leaves its rows leased; after LEASE_MS another node sends
// them again (at-least-once there; the X-Pulseboard-Delivery ids let a receiver drop the copy).
//
// It runs beside evaluation, never inside it: a slow or dead receiver delays only its own rows.
import type { FastifyBaseLogger } from "fastify";
import { dashboardName } from "../dashboards/store.ts";
import type { DbKind } from "../db/schema.ts";
import { deliverTo, type NotifyDeps, settingsOf } from "./contact-points.ts";
import { closeMailer } from "./notifiers/email.ts";
import type { Envelope, NotificationItem } from "./notifiers/message.ts";
import {
  type ContactPointRow,
  claimDue,
  getContactPoint,
  logDelivery,
  type NotificationRow,
  release,
  settle,
} from "./notify-store.ts";
import type { AlertDb } from "./store.ts";

/** Longer than any one delivery can take (timeout_ms is at most 30 s). */
const LEASE_MS = 60_000;
const CLAIM_BATCH = 200;
const MAX_BACKOFF_MS = 10 * 60_000;

export type OutboxOptions = { node: string; pollMs: number; retryBaseMs: number };

export class Outbox {
  readonly #db: AlertDb;
  readonly #postgres: boolean;
  readonly #deps: NotifyDeps;
  readonly #log: FastifyBaseLogger;
  readonly #options: OutboxOptions;
  #poll: NodeJS.Timeout | undefined;
  #wake: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  /** Deliveries under way on this node, by contact point. */
  readonly #busy = new Map<number, Promise<void>>();
  #again = false;
  #closed = false;

  constructor(db: AlertDb, kind: DbKind, deps: NotifyDeps, log: FastifyBaseLogger, options: OutboxOptions) {
    this.#db = db;
    this.#postgres = kind === "postgres";
    this.#deps = deps;
    this.#log = log;
    this.#options = options;
  }

  /** Polls for due rows (retries, rows of other nodes, rows left from before a restart). */
  start(): void {
    this.#poll = setInterval(() => this.kick(), this.#options.pollMs);
    this.#poll.unref();
    this.kick();
  }

  /** Runs a pass now (rows were just written); passes never overlap on one node. */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#passes().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves when no pass and no delivery is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running || this.#busy.size > 0) {
      if (this.#running) await this.#running;
      await Promise.all(this.#busy.values());
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#poll);
    clearTimeout(this.#wake);
    await this.idle();
    if (this.#deps.mailer) closeMailer(this.#deps.mailer.url);
  }

  async #passes(): Promise<void> {
    do {
      this.#again = false;
      try {
        const more = await this.#pass();
        if (more) this.#again = true;
      } catch (err) {
        this.#log.warn({ err }, "alert outbox pass failed; retried on the next poll");
      }
    } while (this.#again && !this.#closed);
  }

  /**
   * One claim; each contact point's rows leave as one delivery, started here and not awaited, so
   * a slow receiver holds up only its own contact point (whose rows are not claimed again while
   * its delivery runs). True when the claim was full (more may be due).
   */
  async #pass(): Promise<boolean> {
    const node = this.#options.node;
    const busy = [...this.#busy.keys()];
    const rows = await claimDue(this.#db, node, Date.now(), LEASE_MS, CLAIM_BATCH, this.#postgres, busy);
    if (rows.length === 0) return false;
    if (this.#closed) {
      await release(
        this.#db,
        rows.map((r) => r.id),
        node,
      );
      return false;
    }
    const byContactPoint = new Map<number, NotificationRow[]>();
    for (const r of rows)
      byContactPoint.set(r.contact_point_id, [...(byContactPoint.get(r.contact_point_id) ?? []), r]);
    for (const [cpId, group] of byContactPoint) {
      const delivery = this.#deliver(cpId, group)
        .catch((err) => this.#log.warn({ err }, "alert delivery failed; retried on the next poll"))
        .finally(() => {
          this.#busy.delete(cpId);
          this.kick(); // its contact point may have more rows due
        });
      this.#busy.set(cpId, delivery);
    }
    return rows.length === CLAIM_BATCH;
  }

  async #deliver(cpId: number, group: NotificationRow[]): Promise<void> {
    const node = this.#options.node;
    const ids = group.map((r) => r.id);
    const cp = await getContactPoint(this.#db, cpId);
    if (!cp) return; // deleted meanwhile: its rows went with it
    const attempts = Math.max(...group.map((r) => r.attempts)) + 1;
    const started = Date.now();
    const env = await this.#envelope(cp, group);
    const result = await deliverTo(cp, env, this.#deps);
    const now = Date.now();
    const max = settingsOf(cp).max_attempts;
    const retryAt = result.ok
      ? null
      : attempts >= max
        ? null
        : now + Math.min(MAX_BACKOFF_MS, this.#options.retryBaseMs * 2 ** (attempts - 1));
    // The log line and the row's new status commit together: a crash leaves both or neither.
    await this.#db.transaction().execute(async (trx) => {
      await logDelivery(trx, {
        contact_point_id: cp.id,
        notification_ids: JSON.stringify(ids),
        attempt: attempts,
        ok: result.ok ? 1 : 0,
        status_code: result.statusCode,
        error: result.error,
        duration_ms: now - started,
        test: 0,
        node,
        at: now,
      });
      await settle(
        trx,
        ids,
        node,
        result.ok ? { ok: true, at: now } : { ok: false, error: result.error ?? "failed", retryAt, attempts },
        this.#postgres,
      );
    });
    if (result.ok) return;
    this.#log.warn(
      { contactPoint: cp.id, attempt: attempts, error: result.error },
      retryAt === null ? "alert notification failed for good" : "alert notification failed; retrying",
    );
    if (retryAt !== null) this.#wakeAt(retryAt);
  }

  /** A retry earlier than the next poll gets its own timer (one per node, the soonest wins). */
  #wakeAt(at: number): void {
    if (this.#closed) return;
    clearTimeout(this.#wake);
    this.#wake = setTimeout(() => this.kick(), Math.max(0, at - Date.now()));
    this.#wake.unref();
  }

  async #envelope(cp: ContactPointRow, rows: NotificationRow[], test = false): Promise<Envelope> {
    const name = await dashboardName(this.#db, cp.dashboard_id);
    return {
      test,
      dashboard: { id: cp.dashboard_id, name: name ?? String(cp.dashboard_id) },
      contact_point: { id: cp.id, name: cp.name },
      alerts: rows.map((r) => ({ ...(JSON.parse(r.payload) as NotificationItem), notification_id: r.id })),
    };
  }

  /** "Send test": one attempt now, outside the outbox, written to the delivery log. */
  async test(cp: ContactPointRow) {
    const started = Date.now();
    const result = await deliverTo(cp, await this.#envelope(cp, [], true), this.#deps);
    const now = Date.now();
    await logDelivery(this.#db, {
      contact_point_id: cp.id,
      notification_ids: "[]",
      attempt: 1,
      ok: result.ok ? 1 : 0,
      status_code: result.statusCode,
      error: result.error,
      duration_ms: now - started,
      test: 1,
      node: this.#options.node,
      at: now,
    });
    return { ok: result.ok, status_code: result.statusCode, error: result.error, duration_ms: now - started };
  }
}
