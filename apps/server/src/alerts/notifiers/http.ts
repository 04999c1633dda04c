// Owns one outbound POST to a user-chosen URL (webhook and Slack contact points), bounded on every
// side: the address guard on every connection (guard.ts), a total time limit, at most
// RESPONSE_LIMIT bytes of answer read, and at most MAX_REDIRECTS redirects, each target checked
// like the first. node:http rather than fetch: its `lookup` hook is where the guard sees the
// address actually connected to.
import http from "node:http";
import https from "node:https";
import { type AddressPolicy, checkLiteralHost, guardedLookup } from "./guard.ts";

export const RESPONSE_LIMIT = 64 * 1024;
const MAX_REDIRECTS = 3;

export type Attempt = { ok: boolean; statusCode: number | null; error: string | null };

export async function postJson(
  policy: AddressPolicy,
  target: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Attempt> {
  const deadline = Date.now() + timeoutMs;
  let url = new URL(target);
  for (let hop = 0; ; hop++) {
    const answer = await postOnce(policy, url, body, headers, Math.max(1, deadline - Date.now()), timeoutMs);
    if (answer.location === undefined) return answer;
    if (hop >= MAX_REDIRECTS)
      return { ok: false, statusCode: answer.statusCode, error: "too many redirects" };
    try {
      url = new URL(answer.location, url);
    } catch {
      return { ok: false, statusCode: answer.statusCode, error: "redirect to an invalid URL" };
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      return { ok: false, statusCode: answer.statusCode, error: `redirect to ${url.protocol} refused` };
  }
}

function postOnce(
  policy: AddressPolicy,
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  /** The contact point's whole timeout, which the log names (`timeoutMs` is what is left of it). */
  limitMs: number,
): Promise<Attempt & { location?: string }> {
  return new Promise((resolve) => {
    try {
      checkLiteralHost(policy, url);
    } catch (error) {
      resolve({ ok: false, statusCode: null, error: (error as Error).message });
      return;
    }
    let settled = false;
    const done = (a: Attempt & { location?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(url, {
      method: "POST",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      lookup: guardedLookup(policy, url.hostname),
      // a fresh connection each time: a pooled socket would skip the lookup (and the guard)
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      done({ ok: false, statusCode: null, error: `no answer within ${limitMs} ms` });
    }, timeoutMs);
    req.on("error", (err) => done({ ok: false, statusCode: null, error: err.message }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      let read = 0;
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        // The answer is not used; reading past the cap would only let a receiver hold us.
        if (read > RESPONSE_LIMIT) res.destroy();
      });
      const finish = () => {
        if (status >= 300 && status < 400 && res.headers.location) {
          done({ ok: false, statusCode: status, error: null, location: res.headers.location });
        } else if (status >= 200 && status < 300) {
          done({ ok: true, statusCode: status, error: null });
        } else {
          done({ ok: false, statusCode: status, error: `HTTP ${status}` });
        }
      };
      res.on("end", finish);
      res.on("close", finish);
      res.on("error", finish);
    });
    req.end(body);
  });
}
