// The chaos benchmark's baseline node: Socket.IO 4.8 with connection state recovery and the
// Redis Streams adapter (every node reads one Redis stream, and a disconnected client's session
// and missed packets are kept in Redis, so it can recover on the other node behind nginx).
// POST /publish {points:[{room, seq, timestamp}]} emits one `point` per entry to its room, in
// order. SIGTERM closes Socket.IO (clients see "server shutting down", a recoverable reason)
// and exits, as a graceful deploy would.
import { createServer, type IncomingMessage } from "node:http";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";

const port = Number(process.env.PORT);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/publish") {
    res.writeHead(404).end();
    return;
  }
  const { points } = JSON.parse(await readBody(req)) as {
    points: Array<{ room: number; seq: number; timestamp: string }>;
  };
  for (const p of points) io.to(`room:${p.room}`).emit("point", { seq: p.seq, timestamp: p.timestamp });
  res.writeHead(200, { "content-type": "application/json" }).end(`{"accepted":${points.length}}`);
});
const io = new Server(server, {
  serveClient: false,
  connectionStateRecovery: {},
  adapter: createAdapter(redis),
});
io.on("connection", (socket) => {
  // A recovered socket gets its rooms back from the session.
  if (!socket.recovered) void socket.join(`room:${String(socket.handshake.query.room)}`);
});
process.on("SIGTERM", () => {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});
server.listen(port, "127.0.0.1", () => console.log(`socket.io node listening on ${port}`));
