// The dashboard WebSocket as the UI uses it: connect with the session cookie, subscribe to every
// metric, reconnect with backoff + jitter, heartbeat, and after a reconnect ask the server to
// `resume` from the newest point held per metric so charts have no gap. Frames are validated with
// the protocol schemas of @pulseboard/client (the one definition of the wire format).
// TODO(sdk): replace with DashboardStream from @pulseboard/client once it lands; the store API
// below is what the widgets depend on, not this class.
import { serverMessage, terminalCloseCodes } from "@pulseboard/client";
import type { LiveStore } from "./store.ts";

const HEARTBEAT_MS = 15_000;
const SILENCE_MS = 40_000;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export class DashboardConnection {
  private socket: WebSocket | null = null;
  private attempts = 0;
  private closed = false;
  private everOpened = false;
  private paused = false;
  private reconnectedWhilePaused = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastMessageAt = 0;

  constructor(
    private readonly dashboardId: number,
    private readonly store: LiveStore,
  ) {}

  start() {
    this.closed = false;
    this.connect();
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    this.socket?.close(1000, "page closed");
    this.socket = null;
    this.store.update({ state: "closed" });
  }

  pause() {
    this.paused = true;
    this.store.update({ paused: true });
    this.send("pause", null);
  }

  resumeStream() {
    this.paused = false;
    this.store.update({ paused: false });
    this.send("resume_stream", null);
    // resume_stream replays from the pause of *this* connection; a reconnect in between would
    // lose what came before it, so also ask for everything newer than what we hold.
    if (this.reconnectedWhilePaused) this.sendResume();
    this.reconnectedWhilePaused = false;
  }

  private url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}/ws/dashboard/${this.dashboardId}/`;
  }

  private connect() {
    this.store.update({ state: this.everOpened ? "reconnecting" : "connecting" });
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onmessage = (event) => {
      if (typeof event.data === "string") this.onFrame(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.heartbeat);
      if (this.closed) return;
      if (terminalCloseCodes.has(event.code)) {
        this.store.update({ state: "denied", detail: event.reason || `closed (${event.code})` });
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    this.store.update({ state: "reconnecting" });
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts);
    this.attempts++;
    // Full jitter: many browsers reconnecting after a server restart must not arrive in lockstep.
    this.retryTimer = setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
  }

  private onFrame(text: string) {
    this.lastMessageAt = Date.now();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const parsed = serverMessage.safeParse(raw);
    if (!parsed.success) return; // unknown extension or malformed frame: ignore, never crash the page
    const message = parsed.data;
    switch (message.action) {
      case "authentication":
        if (message.payload.status_code !== 200) {
          this.closed = true;
          this.store.update({ state: "denied", detail: message.payload.data.detail });
        }
        break;
      case "dashboard_config":
        this.onOpen(message.payload.metrics.map((m) => m.id));
        this.store.update({ metrics: message.payload.metrics });
        break;
      case "metric_history":
        this.store.socketHistory(message.payload.metric_id, message.payload.values);
        break;
      case "metric_update": {
        const u = message.payload;
        this.store.liveUpdate(u.metric_id, u.metric_name, u.unit, u.value, u.timestamp);
        break;
      }
      case "presence":
        this.store.update({ connections: message.payload.connections });
        break;
      case "alert":
        this.store.addAlert(message.payload);
        break;
      case "paused":
        this.store.update({ paused: true });
        break;
      default:
        break;
    }
  }

  private onOpen(metricIds: number[]) {
    const reconnect = this.everOpened;
    this.everOpened = true;
    this.attempts = 0;
    this.store.update({ state: "open", detail: "" });
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastMessageAt > SILENCE_MS) this.socket?.close(4000, "heartbeat timeout");
      else this.send("ping", null);
    }, HEARTBEAT_MS);
    if (metricIds.length > 0) this.send("subscribe", metricIds);
    if (!reconnect) {
      if (this.paused) this.send("pause", null);
      return;
    }
    if (this.paused) {
      this.reconnectedWhilePaused = true;
      this.send("pause", null);
    } else {
      this.sendResume();
    }
  }

  private sendResume() {
    const since: Record<string, string> = {};
    for (const [id, s] of this.store.series) {
      const last = s.ring.lastX();
      if (last !== undefined) since[String(id)] = new Date(last * 1000).toISOString();
    }
    if (Object.keys(since).length > 0) this.send("resume", { since });
  }

  private send(action: string, payload: unknown) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ action, payload }));
  }
}
