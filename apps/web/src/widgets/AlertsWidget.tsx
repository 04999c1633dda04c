// The alerts panel: events seeded from REST and fed live, newest first, each written with the
// metric's unit. A firing event can be acknowledged (any member; POST /alerts/:id/ack with the
// CSRF token) and then says who acknowledged it and when.
import { useEffect, useState, useSyncExternalStore } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { useSession } from "../app/session.tsx";
import { clockTime } from "../charts/clock.ts";
import type { AlertItem } from "../live/store.ts";
import { describeAlert, type WidgetProps } from "./types.ts";

export function AlertsWidget({ store, metrics, dashboardId }: WidgetProps) {
  const { alerts } = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { user } = useSession();
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const [failure, setFailure] = useState<string | null>(null);
  const ackedByOthers = alerts.some((a) => a.acknowledged_by != null && a.acknowledged_by !== user?.id);

  // Usernames are needed only once someone else has acknowledged something.
  useEffect(() => {
    if (!ackedByOthers) return;
    let cancelled = false;
    api.members(dashboardId).then(
      (members) => !cancelled && setNames(new Map(members.map((m) => [m.user_id, m.username]))),
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [ackedByOthers, dashboardId]);

  if (alerts.length === 0) return <p className="muted">No alerts.</p>;
  const unitOf = (metricId: number) => metrics.find((m) => m.id === metricId)?.unit ?? "";
  const who = (userId: number) =>
    userId === user?.id ? user.username : (names.get(userId) ?? `user ${userId}`);
  const acknowledge = (id: number) => {
    setFailure(null);
    api.acknowledgeAlert(id).then(
      (event) => store.acknowledged(event),
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
      <ul className="alerts" aria-live="polite" data-testid="alerts">
        {alerts.map((a) => (
          <AlertRow
            key={`${a.id}-${a.state}`}
            alert={a}
            unit={unitOf(a.metric_id)}
            who={who}
            onAck={acknowledge}
          />
        ))}
      </ul>
    </>
  );
}

function AlertRow({
  alert: a,
  unit,
  who,
  onAck,
}: {
  alert: AlertItem;
  unit: string;
  who: (userId: number) => string;
  onAck: (id: number) => void;
}) {
  const acked = a.acknowledged_at != null && a.acknowledged_by != null;
  return (
    <li className={`alert-item ${a.state}`} data-alert-id={a.id}>
      <span className={`badge ${a.state}`}>{a.state}</span>
      <span className="alert-text" title={a.message}>
        <strong>{a.metric_name}</strong> {describeAlert(a, unit)}
        {acked && (
          <span className="muted ack" data-testid="acknowledged">
            {" "}
            · acknowledged by {who(a.acknowledged_by as number)} at{" "}
            {clockTime(Date.parse(a.acknowledged_at as string))}
          </span>
        )}
      </span>
      {a.state === "firing" && !acked && (
        <button
          type="button"
          className="ack-button"
          aria-label={`Acknowledge ${a.metric_name} alert`}
          onClick={() => onAck(a.id)}
        >
          Acknowledge
        </button>
      )}
      <time className="muted">{clockTime(Date.parse(a.timestamp))}</time>
    </li>
  );
}
