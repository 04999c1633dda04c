// Owns the storage benchmark's HTTP client: one keep-alive agent for both servers, timed from
// sending the request to the last byte of the answer, so Pulseboard and Prometheus are timed
// by the same code. Streams can be counted (bytes and lines) without being kept in memory.
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export type Answer = { status: number; ms: number; bytes: number; lines: number; text: string };

export type RequestOptions = {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Count bytes and newlines only; `text` stays empty (for multi-megabyte exports). */
  countOnly?: boolean;
  /** Updated as the answer streams in, so a caller that gives up still knows how far it got. */
  progress?: { bytes: number; lines: number };
  timeoutMs?: number;
  signal?: AbortSignal;
};

const NEWLINE = 0x0a;

function countLines(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) n++;
  return n;
}

export function http(url: string, o: RequestOptions = {}): Promise<Answer> {
  const u = new URL(url);
  const headers: Record<string, string | number> = { ...o.headers };
  if (o.body !== undefined) {
    headers["content-type"] ??= "application/json";
    headers["content-length"] = Buffer.byteLength(o.body);
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: o.method ?? "GET",
        agent,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        let lines = 0;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (o.countOnly) lines += countLines(c);
          else chunks.push(c);
          if (o.progress) {
            o.progress.bytes = bytes;
            o.progress.lines = lines;
          }
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            bytes,
            lines,
            text: o.countOnly ? "" : Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(o.timeoutMs ?? 300_000, () => req.destroy(new Error(`no answer from ${url} in time`)));
    req.on("error", reject);
    o.signal?.addEventListener("abort", () => req.destroy(new Error(`${url}: given up`)), { once: true });
    req.end(o.body);
  });
}

/** Like http(), but a non-2xx answer is an error naming the URL and the start of the body. */
export async function httpOk(url: string, o: RequestOptions = {}): Promise<Answer> {
  const a = await http(url, o);
  if (a.status < 200 || a.status >= 300)
    throw new Error(`${o.method ?? "GET"} ${url}: HTTP ${a.status} ${a.text.slice(0, 300)}`);
  return a;
}

export function closeAgent(): void {
  agent.destroy();
}

/** p-th percentile (nearest rank) of a few samples; with 20 samples p99 is the slowest. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
