// Binds a PulseboardClient (reconnect with backoff + jitter, heartbeat, `resume` from a position,
// de-duplication) to a LiveStore: it subscribes to every metric of the dashboard as its config
// arrives and forwards frames into the store, which batches them per animation frame.
import { type ClientOptions, createClient, type PulseboardClient, type StreamPosition } from "./client.ts";
import type { ConnectionState, LiveStore } from "./live-store.ts";

export interface LiveConnectionOptions extends Omit<ClientOptions, "position"> {
  /** What was committed while away could not be replayed: the caller refetches its range by REST. */
  onGap?: () => void;
}

/** The WebSocket URL of a dashboard: `{baseUrl}/ws/dashboard/{id}/`; default base: the page's origin. */
export function dashboardUrl(dashboardId: number, baseUrl?: string): string {
  const base =
    baseUrl ??
    (typeof location === "undefined"
      ? "ws://127.0.0.1"
      : `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}`);
  return `${base.replace(/\/+$/, "")}/ws/dashboard/${dashboardId}/`;
}

export class LiveConnection {
  private client: PulseboardClient | null = null;
  private everOpen = false;
  private denied = false;

  constructor(
    private readonly store: LiveStore,
    private readonly options: LiveConnectionOptions,
  ) {}

  /** Connects; from `position` (a view saved by an earlier page) when given. */
  start(position?: StreamPosition): PulseboardClient {
    const { onGap, ...clientOptions } = this.options;
    // In a browser the session cookie goes with the handshake; no token in the page.
    const client = createClient({ ...clientOptions, ...(position ? { position } : {}) });
    this.client = client;
    const store = this.store;
    store.positionNow = () => client.position;
    client.on("state", ({ state }) => {
      if (this.denied) return;
      if (state === "open") this.everOpen = true;
      store.update({ state: this.shown(state) });
    });
    client.on("auth_error", (error) => {
      this.denied = true;
      store.update({ state: "denied", detail: error.message, error });
    });
    client.on("dashboard_config", (config) => {
      store.update({ name: config.name, description: config.description, metrics: config.metrics });
      client.subscribeNew(config);
    });
    client.on("metric_history", (h) => store.socketHistory(h.metric_id, h.values));
    client.on("metric_update", (u) =>
      store.liveUpdate(u.metric_id, u.metric_name, u.unit, u.value, u.timestamp, u.committed_at),
    );
    client.on("presence", (p) => store.update({ connections: p.connections }));
    client.on("alert", (a) => store.addAlert(a));
    client.on("paused", () => store.update({ paused: true }));
    client.on("gap", () => onGap?.());
    return client;
  }

  close() {
    this.client?.close();
    this.client = null;
  }

  /** Asks the server to stop streaming; what is stored meanwhile is replayed on `resumeStream()`. */
  pause() {
    this.store.update({ paused: true });
    this.client?.send("pause");
  }

  resumeStream() {
    this.store.update({ paused: false });
    this.client?.send("resume_stream");
  }

  private shown(state: PulseboardClient["state"]): ConnectionState {
    switch (state) {
      case "open":
        return "open";
      case "closed":
        return "closed";
      case "reconnecting":
        return "reconnecting";
      default:
        return this.everOpen ? "reconnecting" : "connecting";
    }
  }
}
