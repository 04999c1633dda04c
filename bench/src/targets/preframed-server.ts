// Baseline 3, the limit proxy: a `ws` server that builds each broadcast's WebSocket frame once
// (header + JSON) and, once per event-loop turn, writes the same Buffer — that turn's frames
// concatenated — to every socket, corked. No auth, no storage, no routing, no per-client queue:
// what writing the bytes costs on this machine, the floor a framework's fan-out can approach.
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { WebSocketServer } from "ws";
import { encodeText } from "../../../packages/channels/src/frame.ts";
import { listenBaseline, readBody } from "./child.ts";

let pending: Buffer[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
  pending = [];
  for (const client of wss.clients) {
    const socket = (client as unknown as { _socket: Socket })._socket;
    if (client.readyState !== 1) continue;
    socket.cork();
    socket.write(batch);
    socket.uncork();
  }
}

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/publish") {
    res.writeHead(404).end();
    return;
  }
  const point = JSON.parse(await readBody(req)) as { metric_id: number; value: number };
  const text = JSON.stringify({
    action: "metric_update",
    payload: {
      metric_id: point.metric_id,
      value: point.value,
      timestamp: new Date().toISOString(),
      metric_name: "latency",
      unit: "ms",
    },
  });
  pending.push(encodeText(Buffer.from(text)));
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
  res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":1}');
});
const wss = new WebSocketServer({ server, path: "/ws", perMessageDeflate: false });

listenBaseline(server, { wsPath: "/ws", protocol: "ws" });
