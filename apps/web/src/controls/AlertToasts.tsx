// A toast for every live alert transition (firing, resolved, no data), in the corner for
// TOAST_MS; at most MAX_TOASTS at once, newest on top. A status region, so screen readers hear it.
import type { Alert } from "@pulseboard/client";
import type { AlertStates } from "@pulseboard/client/live";
import type { Metric } from "@pulseboard/protocol/rest";
import { useEffect, useState } from "react";
import { describeAlert } from "../widgets/types.ts";

const TOAST_MS = 6000;
const MAX_TOASTS = 4;

type Toast = { key: string; alert: Alert };

export function AlertToasts({ states, metrics }: { states: AlertStates; metrics: Metric[] }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(
    () =>
      states.onTransition((alert) => {
        const key = `${alert.id}:${alert.state}:${Date.now()}`;
        setToasts((list) => [{ key, alert }, ...list].slice(0, MAX_TOASTS));
        setTimeout(() => setToasts((list) => list.filter((t) => t.key !== key)), TOAST_MS);
      }),
    [states],
  );
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
      {toasts.map(({ key, alert: a }) => {
        const unit = metrics.find((m) => m.id === a.metric_id)?.unit ?? "";
        const kind = a.state === "firing" ? (a.status === "no_data" ? "no_data" : "firing") : "resolved";
        const head = kind === "firing" ? "Alert firing" : kind === "no_data" ? "No data" : "Resolved";
        const plain = a.reason === undefined || a.reason === "threshold";
        return (
          <div key={key} className={`toast ${kind}`} data-testid="toast">
            <strong>{head}</strong>{" "}
            {plain ? (
              <>
                {a.metric_name} {describeAlert(a, unit)}
              </>
            ) : (
              a.message
            )}
            <button
              type="button"
              className="ghost"
              aria-label="Dismiss"
              onClick={() => setToasts((list) => list.filter((t) => t.key !== key))}
            >
              ✕
            </button>
          </div>
        );
      })}
    </div>
  );
}
