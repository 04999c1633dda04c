// Public API of @pulseboard/channels (the Redis layer is in "/redis", the test client in "/testing").
import type { z } from "zod";

export {
  type AnyConsumer,
  type Authenticator,
  AuthResult,
  type BroadcastOptions,
  type Consumer,
  type ConsumerBehaviour,
  type ConsumerContext,
  type ConsumerDefinition,
  type ContextOf,
  type Denial,
  defineConsumer,
  type EventName,
  type EventPayload,
  type HandshakeRequest,
  type HandshakeStatus,
  type LiveRequest,
  type LoadContext,
  type PathParams,
  type Permission,
  type PermissionContext,
  type Reply,
  type Schemas,
} from "./consumer.ts";
export {
  type AnyContract,
  type Contract,
  type ContractInput,
  type ContractSender,
  defineContract,
} from "./contract.ts";
export { type ErrorCode, type ErrorSpec, errorCodes } from "./error-codes.ts";
export {
  BadFrameError,
  BadJsonError,
  ChannelsError,
  closeCodeFor,
  ForbiddenError,
  FrameTooLargeError,
  InternalError,
  NotFoundError,
  RateLimitedError,
  SlowConsumerError,
  TooManyConnectionsError,
  UnauthorizedError,
  UnknownActionError,
  ValidationError,
} from "./errors.ts";
export { PreparedFrame } from "./frame.ts";
export type { ChannelLayer, Deliver, LayerMessage } from "./layers/layer.ts";
export { InMemoryLayer } from "./layers/memory.ts";
export { OrderedLayer, type OrderedStreams } from "./layers/ordered.ts";
export {
  AuthenticationPayload,
  CloseCode,
  DetailPayload,
  DrainingPayload,
  Envelope,
  ErrorPayload,
  protocolMessages,
  ValidationIssue,
} from "./protocol.ts";
export {
  type ChannelsServer,
  type ChannelsServerOptions,
  createChannelsServer,
  type Logger,
} from "./server.ts";
export { ChannelsStats } from "./stats.ts";

/**
 * Attaches documentation (for AsyncAPI) to a message schema; returns the same schema type.
 * `internal: true` marks a server-side event that only reaches consumers' event handlers (which
 * never forward it): it is left out of the AsyncAPI document, as no client ever sees it.
 */
export function message<T extends z.ZodType>(
  schema: T,
  meta: { title?: string; description?: string; examples?: unknown[]; internal?: boolean },
): T {
  return schema.meta(meta) as T;
}
export {
  type AsyncApiOptions,
  type ConsumerSpec,
  exampleOf,
  generateAsyncApi,
  jsonSchemaOf,
  specOf,
} from "./asyncapi.ts";
