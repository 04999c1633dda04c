// A small dashboard server on a real `ws` socket, speaking the DESIGN.md protocol, for the client
// specs that need to misbehave on purpose (go silent, restart, refuse): stored points survive
// restarts on the same port, as a database would.
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import {
  type ClientMessage,
  clientMessage,
  closeCodes,
  type Point,
  type ServerMessage,
} from "../src/protocol.ts";

export interface FakeDashboardServer {
  port: number;
  url: string;
  /** Every client frame received, parsed, in order (all connections, all restarts). */
  received: ClientMessage[];
  connections: number;
  /** Stores a point and streams it to connections subscribed to the metric. */
  push(metricId: number, value: number, timestamp?: string): Point;
  /** Stores a point without streaming it (ingested while a client was away). */
  store(metricId: number, value: number, timestamp?: string): Point;
  /** Stop sending anything (pongs included) while keeping TCP open. */
  freeze(): void;
  /** Drop every connection without a closing handshake and stop listening. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  /** Sends a raw text frame to every connection (for malformed-frame specs). */
  raw(text: string): void;
  /** Close current connections with a code (1012 = service restart). */
  kick(code?: number): void;
  close(): Promise<void>;
}

const metrics = [
  { id: 1, name: "cpu", description: "", type: "gauge" as const, unit: "%" },
  { id: 2, name: "requests", description: "", type: "counter" as const, unit: "" },
];

export async function startFakeDashboardServer(opts: { token?: string } = {}): Promise<FakeDashboardServer> {
  const points = new Map<number, Point[]>(metrics.map((m) => [m.id, []]));
  const received: ClientMessage[] = [];
  const subscriptions = new Map<WebSocket, Set<number>>();
  let frozen = false;
  let clock = Date.parse("2026-11-24T10:00:00.000Z");
  let wss: WebSocketServer | undefined;
  let port = 0;

  const send = (ws: WebSocket, message: ServerMessage) => {
    if (!frozen) ws.send(JSON.stringify(message));
  };
  const meta = (id: number) => metrics.find((m) => m.id === id)!;
  const history = (ws: WebSocket, id: number) =>
    send(ws, {
      action: "metric_history",
      payload: {
        metric_id: id,
        metric_name: meta(id).name,
        unit: meta(id).unit,
        values: points.get(id)!.slice(-100),
      },
    });
  const update = (ws: WebSocket, id: number, p: Point) =>
    send(ws, {
      action: "metric_update",
      payload: {
        metric_id: id,
        value: p.value,
        timestamp: p.timestamp,
        metric_name: meta(id).name,
        unit: meta(id).unit,
      },
    });

  const onConnection = (ws: WebSocket, url: string) => {
    const u = new URL(url, "http://x");
    const refuse = (status: 401 | 404, code: number) => {
      ws.send(
        JSON.stringify({
          action: "authentication",
          payload: { status_code: status, status_text: "refused", data: { detail: `refused ${status}` } },
        }),
      );
      ws.close(code);
    };
    if (opts.token !== undefined && u.searchParams.get("token") !== opts.token) {
      refuse(401, closeCodes.unauthenticated);
      return;
    }
    if (u.pathname !== "/ws/dashboard/1/") {
      refuse(404, closeCodes.notFound);
      return;
    }
    const subs = new Set<number>();
    subscriptions.set(ws, subs);
    ws.on("close", () => subscriptions.delete(ws));
    send(ws, {
      action: "authentication",
      payload: { status_code: 200, status_text: "OK", data: { detail: "OK" } },
    });
    send(ws, { action: "dashboard_config", payload: { id: 1, name: "Main", description: "", metrics } });
    for (const m of metrics) history(ws, m.id);
    ws.on("message", (data) => {
      const parsed = clientMessage.safeParse(JSON.parse(String(data)));
      if (!parsed.success) {
        send(ws, { action: "error", payload: { detail: "invalid" } });
        return;
      }
      const msg = parsed.data;
      received.push(msg);
      switch (msg.action) {
        case "ping":
          send(ws, { action: "pong", payload: null });
          return;
        case "subscribe":
          for (const id of msg.payload) {
            if (!points.has(id)) {
              send(ws, { action: "error", payload: { detail: `no metric ${id}` } });
            } else if (!subs.has(id)) {
              subs.add(id);
              history(ws, id);
            }
          }
          return;
        case "unsubscribe":
          for (const id of msg.payload) subs.delete(id);
          return;
        case "resume": {
          const since = msg.payload.since ?? {};
          let count = 0;
          for (const id of subs) {
            const from = typeof since === "string" ? since : since[String(id)];
            if (from === undefined) continue;
            for (const p of points.get(id)!) {
              if (Date.parse(p.timestamp) > Date.parse(from)) {
                update(ws, id, p);
                count++;
              }
            }
          }
          send(ws, { action: "resumed", payload: { count } });
          return;
        }
        default:
          return;
      }
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const server = new WebSocketServer({ host: "127.0.0.1", port });
      server.on("connection", (ws, req) => onConnection(ws, req.url ?? "/"));
      server.once("error", reject);
      server.once("listening", () => {
        port = (server.address() as AddressInfo).port;
        wss = server;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const server = wss;
      wss = undefined;
      if (!server) return resolve();
      for (const ws of server.clients) ws.terminate();
      server.close(() => resolve());
    });

  const store = (metricId: number, value: number, timestamp?: string) => {
    clock += 1000;
    const p = { value, timestamp: timestamp ?? new Date(clock).toISOString() };
    points.get(metricId)!.push(p);
    return p;
  };

  await listen();
  return {
    port,
    get url() {
      return `ws://127.0.0.1:${port}/ws/dashboard/1/`;
    },
    received,
    get connections() {
      return wss?.clients.size ?? 0;
    },
    store,
    push(metricId, value, timestamp) {
      const p = store(metricId, value, timestamp);
      for (const [ws, subs] of subscriptions) if (subs.has(metricId)) update(ws, metricId, p);
      return p;
    },
    freeze() {
      frozen = true;
    },
    stop,
    start: () => {
      frozen = false;
      return listen();
    },
    raw(text) {
      for (const ws of wss?.clients ?? []) ws.send(text);
    },
    kick(code = 1012) {
      for (const ws of wss?.clients ?? []) ws.close(code);
    },
    close: stop,
  };
}
