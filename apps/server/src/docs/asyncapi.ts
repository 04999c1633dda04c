// Owns the server's AsyncAPI document: the framework's generator applied to the contracts of the
// endpoints this server runs (their schemas, names and descriptions; no consumer is built for it).
// Built once per advertised host (the document names the host the reader connected to).
import { generateAsyncApi } from "@pulseboard/channels";
import { dashboardContract } from "../ws/dashboard-contract.ts";

const VERSION = "0.1.0";

export function asyncApiBuilder() {
  const cache = new Map<string, string>();
  /** The document as JSON text for this host/protocol (cached; a handful of hosts at most). */
  return (host: string, protocol: "ws" | "wss"): string => {
    const key = `${protocol}://${host}`;
    let text = cache.get(key);
    if (text === undefined) {
      text = JSON.stringify(
        generateAsyncApi({
          title: "Pulseboard WebSocket API",
          version: VERSION,
          description:
            'Every frame is JSON `{"action": "<name>", "payload": <any>}`. Generated from the server\'s Zod schemas; ' +
            "try it in the playground at /playground.",
          host,
          protocol,
          consumers: [dashboardContract],
        }),
      );
      if (cache.size > 16) cache.clear();
      cache.set(key, text);
    }
    return text;
  };
}
