// Public entry of the Pulseboard client SDK: the protocol schemas and the client. The live store
// is `@pulseboard/client/live`, its React binding `@pulseboard/client/react`.

export { type BackoffOptions, backoffDelay, defaultBackoff } from "./backoff.ts";
export {
  type ClientEvents,
  type ClientOptions,
  type ClientState,
  createClient,
  PulseboardClient,
  type SendArgs,
  type StateChange,
  type StreamPosition,
} from "./client.ts";
export * from "./errors.ts";
export * from "./protocol.ts";
export type { WebSocketConstructor, WebSocketLike } from "./socket.ts";
