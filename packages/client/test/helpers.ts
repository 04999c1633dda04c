// Waiting helpers for the client specs: resolve on the next matching event, or fail with a
// message saying what never happened.
import type { ClientEvents, PulseboardClient } from "../src/client.ts";

export function nextEvent<K extends keyof ClientEvents>(
  client: PulseboardClient,
  event: K,
  match: (payload: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs}ms waiting for "${String(event)}"`));
    }, timeoutMs);
    const off = client.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

export function reachState(
  client: PulseboardClient,
  state: ClientEvents["state"]["state"],
  timeoutMs = 5000,
) {
  if (client.state === state) return Promise.resolve();
  return nextEvent(client, "state", (s) => s.state === state, timeoutMs).then(() => undefined);
}

export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
