// The current state of every alert rule of an open dashboard (GET /alert-states, one row per
// rule) and the rules themselves (for threshold lines), kept fresh beside its LiveStore: refetched
// shortly after each live `alert` frame (one fetch for a burst), when the caller says rules changed
// (`changes`), and every `refreshMs` for changes made elsewhere. Widgets, chart overlays, toasts and
// a tab title can all read this one object. How it reads (REST client, token) is the caller's.
import type { LiveStore } from "./live-store.ts";
import type { Alert } from "./protocol.ts";
import type { AlertRule, AlertRuleState, AlertStatus } from "./rest.ts";

const BURST_MS = 150;

export interface AlertStatesOptions {
  /** Reads the dashboard's rule states and rules (GET /alert-states and /alert-rules). */
  load: () => Promise<[AlertRuleState[], AlertRule[]]>;
  /** Default 15 s. */
  refreshMs?: number;
  /** Calls `changed` whenever rules were changed here; returns the unsubscribe. */
  changes?: (changed: () => void) => () => void;
}

export type RuleLine = {
  ruleId: number;
  condition: "above" | "below";
  threshold: number;
  hysteresis: number;
  status: AlertStatus;
};

export type AlertStatesSnapshot = {
  loaded: boolean;
  states: AlertRuleState[];
  rules: AlertRule[];
  /** rules firing now (the tab title and favicon count) */
  firing: number;
};

const WORST: AlertStatus[] = ["firing", "no_data", "pending", "ok"];

export class AlertStates {
  readonly #options: AlertStatesOptions;
  #snapshot: AlertStatesSnapshot = { loaded: false, states: [], rules: [], firing: 0 };
  readonly #listeners = new Set<() => void>();
  readonly #transitionListeners = new Set<(a: Alert) => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #users = 0;
  #stop: (() => void) | undefined;

  constructor(
    readonly store: LiveStore,
    options: AlertStatesOptions,
  ) {
    this.#options = options;
  }

  getSnapshot = (): AlertStatesSnapshot => this.#snapshot;

  /** Subscribing starts the feed; the last unsubscribe stops it. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    if (this.#users++ === 0) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (--this.#users === 0) this.#stop?.();
    };
  };

  /** Called with every live alert frame (toasts). */
  onTransition(listener: (a: Alert) => void): () => void {
    this.#transitionListeners.add(listener);
    return () => this.#transitionListeners.delete(listener);
  }

  refreshSoon(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), BURST_MS);
  }

  async refresh(): Promise<void> {
    try {
      const [states, rules] = await this.#options.load();
      const firing = states.filter((s) => s.status === "firing").length;
      this.#snapshot = { loaded: true, states, rules, firing };
      for (const l of this.#listeners) l();
    } catch {
      // a server without alert states (or away): keep what we have; the next refresh retries
    }
  }

  /** The worst status of the rules on a metric, and their lines. */
  forMetric(metricId: number): { status: AlertStatus | null; lines: RuleLine[] } {
    const byRule = new Map(this.#snapshot.states.map((s) => [s.rule_id, s]));
    const lines: RuleLine[] = this.#snapshot.rules
      .filter((r) => r.metric_id === metricId && r.enabled)
      .map((r) => ({
        ruleId: r.id,
        condition: r.condition,
        threshold: r.threshold,
        hysteresis: r.hysteresis,
        status: byRule.get(r.id)?.status ?? "ok",
      }));
    if (lines.length === 0) return { status: null, lines };
    const status = WORST.find((w) => lines.some((l) => l.status === w)) ?? "ok";
    return { status, lines };
  }

  #start(): void {
    const keyOf = (a: { id: number; state: string } | undefined) => (a ? `${a.id}:${a.state}` : "");
    let seen = keyOf(this.store.getSnapshot().alerts[0]);
    const unsubscribe = this.store.subscribe(() => {
      const head = this.store.getSnapshot().alerts[0];
      // an acknowledgement rewrites the list without a new head: not a transition
      if (keyOf(head) === seen) return;
      seen = keyOf(head);
      // a seeded (REST) event has created_at; a live frame does not
      if (head && !("created_at" in head)) for (const l of this.#transitionListeners) l(head);
      this.refreshSoon();
    });
    const offChanges = this.#options.changes?.(() => this.refreshSoon());
    const interval = setInterval(() => void this.refresh(), this.#options.refreshMs ?? 15_000);
    void this.refresh();
    this.#stop = () => {
      unsubscribe();
      offChanges?.();
      clearInterval(interval);
      clearTimeout(this.#timer);
    };
  }
}
