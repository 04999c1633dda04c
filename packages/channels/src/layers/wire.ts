// The Redis layers' message format: a one-line JSON header [kind, exclude, action, node], "\n",
// then the client frame text exactly as clients receive it — so receivers forward it without
// re-serializing. Shared by the single-Redis and the Redis Cluster layer (nodes of either kind
// could even read each other's messages).
import { PreparedFrame } from "../frame.ts";
import type { LayerMessage } from "./layer.ts";

type Header = [kind: "e" | "f", exclude: string | null, action: string, node: string];

export function encodeMessage(message: LayerMessage, node: string): string {
  const header: Header = [message.kind === "event" ? "e" : "f", message.exclude, message.frame.action, node];
  return `${JSON.stringify(header)}\n${message.frame.text}`;
}

/** The message and the node that published it; throws on an undecodable header. */
export function decodeMessage(raw: string): { node: string; message: LayerMessage } {
  const newline = raw.indexOf("\n");
  const [kind, exclude, action, node] = JSON.parse(raw.slice(0, newline)) as Header;
  return {
    node,
    message: {
      kind: kind === "e" ? "event" : "frame",
      frame: PreparedFrame.fromText(action, raw.slice(newline + 1)),
      exclude,
    },
  };
}
