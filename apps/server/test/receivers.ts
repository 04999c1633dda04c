// Real receivers for notification specs: an HTTP server that records every request and answers
// as the spec scripts it (status, delay, redirect, huge body), and an SMTP server (smtp-server,
// the maintained SMTP server library from the nodemailer project) that records every message.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export type Received = { path: string; headers: http.IncomingHttpHeaders; body: string; json: unknown };
export type Reply = { status?: number; delayMs?: number; location?: string; bodyBytes?: number };

export type HttpReceiver = {
  url: string;
  port: number;
  requests: Received[];
  /** Answers for the next requests, in order; when empty, 200. */
  script: Reply[];
  /** Resolves when `count` requests have been received (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
};

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: Received[] = [];
  const script: Reply[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {}
      requests.push({ path: req.url ?? "/", headers: req.headers, body, json });
      for (const w of waiters.splice(0)) w();
      const reply = script.shift() ?? {};
      const answer = () => {
        if (res.destroyed) return;
        if (reply.location) res.writeHead(reply.status ?? 302, { location: reply.location }).end();
        else if (reply.bodyBytes) {
          res.writeHead(reply.status ?? 200, { "content-type": "text/plain" });
          const chunk = Buffer.alloc(64 * 1024, 120);
          let left = reply.bodyBytes;
          const pump = () => {
            while (left > 0 && !res.destroyed) {
              left -= chunk.length;
              if (!res.write(chunk)) return void res.once("drain", pump);
            }
            res.end();
          };
          pump();
        } else res.writeHead(reply.status ?? 200).end("ok");
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    script,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`receiver got ${requests.length} requests, expected ${count}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return requests.slice(0, count);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export type Mail = { from: string; to: string[]; raw: string; subject: string };
export type SmtpReceiver = {
  url: string;
  mails: Mail[];
  waitFor(count: number, timeoutMs?: number): Promise<Mail[]>;
  close(): Promise<void>;
};

/** A real SMTP server on 127.0.0.1 (no TLS, no auth) that records every accepted message. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r?\n[ \t]/g, " ") ?? "";
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject,
        });
        callback();
      });
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}?tls=off`,
    mails,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < count) {
        if (Date.now() > deadline)
          throw new Error(`SMTP server got ${mails.length} mails, expected ${count}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return mails.slice(0, count);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
