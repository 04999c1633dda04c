// A metric card's alert status: a badge (firing / no data / pending / ok) when the metric has
// rules, and the same status on the card itself (`data-alert-status`), which colours its border.

import type { AlertStates } from "@pulseboard/client/live";
import { useAlertStates } from "@pulseboard/client/react";
import { useLayoutEffect, useRef } from "react";

const TEXT = { firing: "firing", no_data: "no data", pending: "pending", ok: "ok" } as const;

export function AlertStatusBadge({ states, metricId }: { states: AlertStates; metricId: number }) {
  useAlertStates(states);
  const { status } = states.forMetric(metricId);
  const ref = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    const card = ref.current?.closest(".card");
    if (!card) return;
    if (status) card.setAttribute("data-alert-status", status);
    else card.removeAttribute("data-alert-status");
    return () => card.removeAttribute("data-alert-status");
  }, [status]);
  return (
    <span
      ref={ref}
      className={status ? `badge alert-status ${status}` : "alert-status-none"}
      data-testid={`alert-status-${metricId}`}
      title={status ? `Alert rules on this metric: ${TEXT[status]}` : undefined}
    >
      {status ? TEXT[status] : null}
    </span>
  );
}
