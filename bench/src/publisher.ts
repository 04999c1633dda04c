// Owns the publisher: HTTP POSTs at a fixed rate through the target's real publish path
// (Pulseboard: POST /api/v1/ingest with a bearer token), each carrying its send time as the
// value so clients can measure ingest→client latency. Keep-alive sockets; requests overlap
// freely so a slow server shows up as latency, not as a slower publisher.
import { Agent, request } from "node:http";

export type PublishResult = {
  sent: number;
  accepted: number;
  failed: number;
  firstError: string | undefined;
};

export type PublishTarget = {
  port: number;
  path: string;
  headers: Record<string, string>;
  body: string;
  epoch: number;
};

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function postOne(t: PublishTarget, value: number): Promise<string | undefined> {
  const body = t.body.replace("__VALUE__", value.toFixed(3));
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: t.port,
        path: t.path,
        method: "POST",
        agent,
        headers: {
          ...t.headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          resolve(
            ok ? undefined : `HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`,
          );
        });
      },
    );
    req.on("error", (err) => resolve(err.message));
    req.end(body);
  });
}

/**
 * Publishes at `rate` posts/s for `seconds` (or until `stop` is aborted); resolves when every
 * request has been answered.
 */
export async function publish(
  t: PublishTarget,
  rate: number,
  seconds: number,
  stop?: AbortSignal,
): Promise<PublishResult> {
  const result: PublishResult = { sent: 0, accepted: 0, failed: 0, firstError: undefined };
  const pending: Promise<void>[] = [];
  const total = Math.max(1, Math.round(rate * seconds));
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      while (result.sent < due) {
        result.sent++;
        const value = performance.timeOrigin + performance.now() - t.epoch;
        pending.push(
          postOne(t, value).then((err) => {
            if (err === undefined) result.accepted++;
            else {
              result.failed++;
              result.firstError ??= err;
            }
          }),
        );
      }
      if (result.sent >= total || stop?.aborted) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.all(pending);
  return result;
}

export function closePublisher(): void {
  agent.destroy();
}
