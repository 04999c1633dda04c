// The one interface every channel layer implements: how a group message published on one node
// reaches the members of that group on every node (in-process, or through Redis pub/sub).
import type { PreparedFrame } from "../frame.ts";

/**
 * `event` messages go through the receiving consumer's event handler (if it has one for
 * `frame.action`, else straight to the client); `frame` messages go straight to the clients.
 * `exclude` is a connection id (globally unique) that must not receive it.
 */
export type LayerMessage = { kind: "event" | "frame"; frame: PreparedFrame; exclude: string | null };

export type Deliver = (message: LayerMessage) => void;

export interface ChannelLayer {
  /**
   * False when a message to `group` can reach nobody at all, so publishing it can be skipped.
   * Only a layer that sees every subscriber (the in-memory one) can know; others leave it out.
   */
  reaches?(group: string): boolean;
  /** Sends to every subscriber of `group` on every node sharing this layer. */
  publish(group: string, message: LayerMessage): Promise<void>;
  /** Starts delivering `group` messages to `deliver` on this node. */
  subscribe(group: string, deliver: Deliver): Promise<void>;
  unsubscribe(group: string, deliver: Deliver): Promise<void>;
  close(): Promise<void>;
  /**
   * Layers that can lose their connection (Redis) call `listener` each time it is back: messages
   * published meanwhile were lost, so state kept in sync by them (e.g. revocations) is re-checked.
   * Returns the function that removes the listener.
   */
  onRecovered?(listener: () => void): () => void;
}
