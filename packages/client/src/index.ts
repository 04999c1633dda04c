// Public entry of the Pulseboard client SDK: the protocol schemas, the client and the stream helper.

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
export { type SeriesArrays, SeriesBuffer } from "./ring.ts";
export type { WebSocketConstructor, WebSocketLike } from "./socket.ts";
export {
  type DashboardSnapshot,
  DashboardStream,
  frameScheduler,
  type Scheduler,
  type SeriesSnapshot,
  type StreamChange,
  type StreamOptions,
} from "./stream.ts";
