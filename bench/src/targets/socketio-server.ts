// Baseline 2: Socket.IO 4.8 with the same publish path shape: POST /publish → one
// `metric_update` event emitted to the dashboard's room (Socket.IO encodes a broadcast once).
// Default server options (no per-message deflate, as in engine.io 4).
import { createServer } from "node:http";
import { Server } from "socket.io";
import { listenBaseline, readBody } from "./child.ts";

const server = createServer(async (req, res) => {
  // engine.io handles /socket.io/ itself and hands us every other request.
  if (req.method !== "POST" || req.url !== "/publish") {
    res.writeHead(404).end();
    return;
  }
  const point = JSON.parse(await readBody(req)) as { metric_id: number; value: number };
  io.to("dashboard:1").emit("metric_update", {
    metric_id: point.metric_id,
    value: point.value,
    timestamp: new Date().toISOString(),
    metric_name: "latency",
    unit: "ms",
  });
  res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":1}');
});
const io = new Server(server, { serveClient: false });
io.on("connection", (socket) => {
  void socket.join("dashboard:1");
});

listenBaseline(server, { wsPath: "/socket.io/?EIO=4&transport=websocket", protocol: "socketio" });
