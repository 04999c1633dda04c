// Connection status of the live stream, as a coloured dot plus words (not colour alone).

import type { LiveStore } from "@pulseboard/client/live";
import { useLiveSnapshot } from "@pulseboard/client/react";

const WORDS = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  closed: "Disconnected",
  denied: "No access",
} as const;

export function StatusIndicator({ store }: { store: LiveStore }) {
  const { state, detail, paused } = useLiveSnapshot(store);
  const shown = state === "open" && paused ? "paused" : state;
  return (
    <output
      className={`status status-${shown}`}
      data-testid="connection-status"
      data-state={state}
      title={detail}
    >
      <span className="dot" aria-hidden="true" />
      {shown === "paused" ? "Paused" : WORDS[state]}
    </output>
  );
}

/** Says why the stream stopped for good (access removed, dashboard deleted), as text. */
export function AccessNotice({ store }: { store: LiveStore }) {
  const { state, detail } = useLiveSnapshot(store);
  if (state !== "denied") return null;
  return (
    <p className="error banner" role="alert" data-testid="access-notice">
      Live updates stopped: {detail || "no access to this dashboard"}
    </p>
  );
}
