// Baseline 1: a bare `ws` broadcast server. POST /publish {metric_id, value} → one
// metric_update frame (same shape as Pulseboard's) serialized once and sent to every client.
// No auth, no storage, no routing: the floor any framework on `ws` can approach.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { listenBaseline, readBody } from "./child.ts";

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/publish") {
    res.writeHead(404).end();
    return;
  }
  const point = JSON.parse(await readBody(req)) as { metric_id: number; value: number };
  const frame = JSON.stringify({
    action: "metric_update",
    payload: {
      metric_id: point.metric_id,
      value: point.value,
      timestamp: new Date().toISOString(),
      metric_name: "latency",
      unit: "ms",
    },
  });
  for (const client of wss.clients) client.send(frame);
  res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":1}');
});
const wss = new WebSocketServer({ server, path: "/ws" });

listenBaseline(server, { wsPath: "/ws", protocol: "ws" });
