// The chat app: one HTTP server that serves the static page and hands WebSocket upgrades to the
// channels server. Exported as a function so tests start it on a random port.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createChannelsServer } from "@pulseboard/channels";
import { ChatRoom } from "./consumer.ts";

const PAGE = new URL("./public/index.html", import.meta.url);

export interface ChatApp {
  port: number;
  http: Server;
  close(): Promise<void>;
}

export async function startChat(options: { port?: number; host?: string } = {}): Promise<ChatApp> {
  const page = await readFile(PAGE);
  // Browsers may connect only from the page this server serves; programs (no Origin) always may.
  const channels = createChannelsServer({ consumers: [ChatRoom], allowedOrigins: ["same-origin"] });
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method === "GET" && (path === "/" || path.startsWith("/chat/"))) {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy":
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
      });
      res.end(page);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
  });
  channels.attach(http);
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  return {
    port: (http.address() as AddressInfo).port,
    http,
    async close() {
      await channels.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
