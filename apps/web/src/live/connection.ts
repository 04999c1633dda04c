// Binds the SDK's PulseboardClient (reconnect with backoff + jitter, heartbeat, `resume` after a
// reconnect, de-duplication) to the page's LiveStore: it subscribes to every metric of the
// dashboard and forwards frames into the store, which batches them per animation frame.
import { createClient, type PulseboardClient, type StreamPosition } from "@pulseboard/client";
import type { ConnectionState, LiveStore } from "./store.ts";

export class DashboardConnection {
  private client: PulseboardClient | null = null;
  private everOpen = false;
  private denied = false;

  constructor(
    private readonly dashboardId: number,
    private readonly store: LiveStore,
    /** What was committed while away could not be replayed: the page refetches its range by REST. */
    private readonly onGap: () => void = () => {},
  ) {}

  /** Connects; from `position` (a view saved by an earlier page) when given. */
  start(position?: StreamPosition) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // The browser sends the session cookie with the handshake; no token in the page.
    const client = createClient({
      url: `${scheme}://${location.host}/ws/dashboard/${this.dashboardId}/`,
      ...(position ? { position } : {}),
    });
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
      store.update({ state: "denied", detail: error.message });
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
    client.on("gap", () => this.onGap());
  }

  close() {
    this.client?.close();
    this.client = null;
  }

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
