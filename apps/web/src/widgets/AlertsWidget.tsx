// The alerts panel. First the rules' current states (GET /alert-states, refreshed on every live
// alert): what is firing, silent (no data) or pending now, each acknowledgeable while it is the
// current firing state (any member; POST /alerts/:id/ack with the CSRF token). Below, the event
// history, newest first; a firing event that a later event of its rule closed is shown as past
// ("was firing"), never as a firing row.

import type { AlertItem } from "@pulseboard/client/live";
import { useAlertStates, useLiveSnapshot } from "@pulseboard/client/react";
import type { AlertRuleState } from "@pulseboard/protocol/rest";
import { useEffect, useMemo, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { useSession } from "../app/session.tsx";
import { clockTime } from "../charts/clock.ts";
import { useDashboardView, useLive } from "../pages/dashboard/context.ts";
import { describeAlert, formatValue, type WidgetProps } from "./types.ts";

const STATUS_TEXT = { firing: "firing", no_data: "no data", pending: "pending", ok: "ok" } as const;

export function AlertsWidget(_: WidgetProps) {
  const { store, alertStates: states, dashboardId } = useLive();
  const { metrics } = useDashboardView();
  const { alerts } = useLiveSnapshot(store);
  const { states: current, loaded } = useAlertStates(states);
  const { user } = useSession();
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const [failure, setFailure] = useState<string | null>(null);
  const ackedByOthers =
    alerts.some((a) => a.acknowledged_by != null && a.acknowledged_by !== user?.id) ||
    current.some((s) => s.acknowledged_by != null && s.acknowledged_by !== user?.id);

  // Usernames are needed only once someone else has acknowledged something.
  useEffect(() => {
    if (!ackedByOthers) return;
    let cancelled = false;
    api.members(dashboardId).then(
      (members) =>
        !cancelled &&
        setNames(new Map(members.flatMap((m) => ("user_id" in m ? [[m.user_id, m.username]] : [])))),
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [ackedByOthers, dashboardId]);

  // An event is open until a newer event of its rule arrives (each transition closes the last).
  const closed = useMemo(() => {
    const out = new Set<string>();
    const newest = new Set<number>();
    for (const a of alerts) {
      if (a.state === "firing" && (newest.has(a.rule_id) || a.open === false)) out.add(`${a.id}:${a.state}`);
      newest.add(a.rule_id);
    }
    return out;
  }, [alerts]);

  const problems = current.filter((s) => s.status !== "ok");
  if (alerts.length === 0 && problems.length === 0)
    return (
      <p className="muted">
        {loaded && current.length > 0 ? `All ${current.length} rules OK.` : "No alerts."}
      </p>
    );
  const metricOf = (metricId: number) => metrics.find((m) => m.id === metricId);
  const unitOf = (metricId: number) => metricOf(metricId)?.unit ?? "";
  const who = (userId: number) =>
    userId === user?.id ? user.username : (names.get(userId) ?? `user ${userId}`);
  const acknowledge = (id: number) => {
    setFailure(null);
    api.acknowledgeAlert(id).then(
      (event) => {
        store.acknowledged(event);
        void states.refresh();
      },
      (e) => setFailure(describeError(e)),
    );
  };
  return (
    <>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      {problems.length > 0 && (
        <ul className="alert-states" aria-label="Current alert states" data-testid="alert-states">
          {problems.map((s) => (
            <StateRow
              key={s.rule_id}
              state={s}
              name={metricOf(s.metric_id)?.name ?? `metric ${s.metric_id}`}
              unit={unitOf(s.metric_id)}
              who={who}
              onAck={acknowledge}
            />
          ))}
        </ul>
      )}
      <ul className="alerts" aria-live="polite" aria-label="Alert history" data-testid="alerts">
        {alerts.map((a) => (
          <AlertRow
            key={`${a.id}-${a.state}`}
            alert={a}
            past={closed.has(`${a.id}:${a.state}`)}
            unit={unitOf(a.metric_id)}
            who={who}
          />
        ))}
      </ul>
    </>
  );
}

function StateRow({
  state: s,
  name,
  unit,
  who,
  onAck,
}: {
  state: AlertRuleState;
  name: string;
  unit: string;
  who: (userId: number) => string;
  onAck: (id: number) => void;
}) {
  const acked = s.acknowledged_at != null && s.acknowledged_by != null;
  const rule = `${s.condition} ${formatValue(s.threshold, unit)}`;
  return (
    <li className={`alert-state ${s.status}`} data-rule-id={s.rule_id}>
      <span className={`badge ${s.status}`}>{STATUS_TEXT[s.status]}</span>
      <span className="alert-text">
        <strong>{name}</strong> {rule}
        {s.value !== null && <> (value {formatValue(s.value, unit)})</>}
        {s.since && <span className="muted"> since {clockTime(Date.parse(s.since))}</span>}
        {s.silenced_until && (
          <span className="muted"> · silenced until {clockTime(Date.parse(s.silenced_until))}</span>
        )}
        {acked && (
          <span className="muted ack" data-testid="acknowledged">
            {" "}
            · acknowledged by {who(s.acknowledged_by as number)} at{" "}
            {clockTime(Date.parse(s.acknowledged_at as string))}
          </span>
        )}
      </span>
      {s.event_id !== null && !acked && (
        <button
          type="button"
          className="ack-button"
          aria-label={`Acknowledge ${name} alert`}
          onClick={() => onAck(s.event_id as number)}
        >
          Acknowledge
        </button>
      )}
    </li>
  );
}

function AlertRow({
  alert: a,
  past,
  unit,
  who,
}: {
  alert: AlertItem;
  past: boolean;
  unit: string;
  who: (userId: number) => string;
}) {
  const acked = a.acknowledged_at != null && a.acknowledged_by != null;
  const noData = a.status === "no_data";
  const label = a.state === "firing" ? (past ? "was firing" : noData ? "no data" : "firing") : "resolved";
  const why = a.reason && a.reason !== "threshold" && a.reason !== "no_data" ? a.message : null;
  return (
    <li className={`alert-item ${past ? "past" : a.state}`} data-alert-id={a.id}>
      <span className={`badge ${past ? "past" : a.state}`}>{label}</span>
      <span className="alert-text" title={a.message}>
        {why || noData ? (
          a.message
        ) : (
          <>
            <strong>{a.metric_name}</strong> {describeAlert(a, unit)}
          </>
        )}
        {acked && (
          <span className="muted ack" data-testid="acknowledged">
            {" "}
            · acknowledged by {who(a.acknowledged_by as number)} at{" "}
            {clockTime(Date.parse(a.acknowledged_at as string))}
          </span>
        )}
      </span>
      <time className="muted">{clockTime(Date.parse(a.timestamp))}</time>
    </li>
  );
}
