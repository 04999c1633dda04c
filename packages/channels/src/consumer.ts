// What a consumer IS: a contract (contract.ts: path and message schemas) with the behaviour that
// keeps it (auth pipeline, state, handlers), and the context object its hooks receive.
// `defineConsumer(contract, behaviour)` infers every type from the two.
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { z } from "zod";
import {
  type AnyContract,
  type Contract,
  defineContract,
  type EventName,
  type EventPayload,
  type PathParams,
} from "./contract.ts";
import type { PreparedFrame } from "./frame.ts";
import { compilePath, type PathMatcher, type Schemas } from "./router.ts";

export type { AnyContract, Contract, EventName, EventPayload, PathParams, Schemas };

type Empty = Record<never, never>;
type Awaitable<T> = T | Promise<T>;

/** The upgrade request as authenticators see it. */
export interface HandshakeRequest<P extends string = string> {
  raw: IncomingMessage;
  url: URL;
  headers: IncomingHttpHeaders;
  cookies: Record<string, string>;
  query: URLSearchParams;
  params: PathParams<P>;
  /** `Authorization: Bearer <t>` or `?token=<t>`, whichever is present (header first). */
  token: string | null;
  origin: string | null;
}

/**
 * The upgrade request as a live connection keeps it: everything but the raw IncomingMessage, which
 * is released once the handshake is over (an idle connection would otherwise hold it, its headers
 * and buffers for as long as it lives).
 */
export type LiveRequest<P extends string = string> = Omit<HandshakeRequest<P>, "raw">;

/** A refusal with a status and a human detail (sent in the authentication frame). */
export type Denial = { ok: false; status: HandshakeStatus; detail: string };
/** Statuses a handshake may be refused with (429: a connection limit, closed with 4029). */
export type HandshakeStatus = 401 | 403 | 404 | 429;

const DENIAL = Symbol.for("pulseboard.channels.denial");

export const AuthResult = {
  /** Return from an authenticator or permission to refuse with a specific status and detail. */
  deny(status: HandshakeStatus, detail: string): Denial {
    return Object.assign({ ok: false as const, status, detail }, { [DENIAL]: true });
  },
  isDenial(value: unknown): value is Denial {
    return typeof value === "object" && value !== null && DENIAL in value;
  },
};

/** Returns a user, or null to let the next authenticator try; may return `AuthResult.deny(...)`. */
export type Authenticator<U, P extends string = string> = (
  req: HandshakeRequest<P>,
) => Awaitable<U | null | Denial>;

export interface LoadContext<U, P extends string = string> {
  user: U;
  params: PathParams<P>;
  request: HandshakeRequest<P>;
}

export interface PermissionContext<U, O, P extends string = string> extends LoadContext<U, P> {
  object: O;
}

/** true = allowed; false = 403 "Permission denied"; or a Denial with its own status/detail. */
export type Permission<U, O, P extends string = string> = (
  ctx: PermissionContext<U, O, P>,
) => Awaitable<boolean | { ok: false; status: HandshakeStatus; detail: string }>;

/** Payload type of an outgoing action (what callers pass; the schema's input). */
export type OutPayload<Out extends Schemas, K extends keyof Out> = z.input<Out[K]>;

/** A frame a handler may return: it is sent to the sender. */
export type Reply<Out extends Schemas> = {
  [K in keyof Out & string]: { action: K; payload: OutPayload<Out, K> };
}[keyof Out & string];

export interface BroadcastOptions {
  /** Only this group (default: every group this connection has joined). */
  group?: string;
  /** Do not send it to this connection. */
  excludeCurrent?: boolean;
}

export interface ConsumerContext<
  U = unknown,
  O = unknown,
  S = unknown,
  P extends string = string,
  Out extends Schemas = Schemas,
  Ev extends Schemas = Schemas,
> extends Omit<PermissionContext<U, O, P>, "request"> {
  /** The upgrade request (without `raw`, released after the handshake). */
  readonly request: LiveRequest<P>;
  /** Globally unique connection id (also across nodes). */
  readonly id: string;
  /** Per-connection state from the definition's `state()` factory. */
  state: S;
  readonly groups: ReadonlySet<string>;
  /** Bytes queued on the socket and not yet sent (slow-consumer detection). */
  readonly bufferedAmount: number;
  /** Closed or closing: what it is sent no longer reaches the client (long work can stop). */
  readonly isClosed: boolean;
  /** Sends one frame to this client. Returns false if the socket is no longer open. */
  send<K extends keyof Out & string>(action: K, payload: OutPayload<Out, K>): boolean;
  /** Sends an already prepared (serialized-once) frame, e.g. the one an event handler received. */
  sendRaw(frame: PreparedFrame | string): boolean;
  join(group: string): Promise<void>;
  leave(group: string): Promise<void>;
  /**
   * From now on, receive the consumer's `sharedEvents` whose topic is in `topics` from the shared
   * batch of its groups (no event handler call), and every other shareable frame likewise; null
   * (the default) sends every event through the event handler again. Frames published before the
   * call are delivered as before it.
   */
  shareTopics(topics: Iterable<string | number> | null): void;
  /** Sends a frame straight to the members of this connection's group(s), serialized once. */
  broadcast<K extends keyof Out & string>(
    action: K,
    payload: OutPayload<Out, K>,
    options?: BroadcastOptions,
  ): Promise<void>;
  /** Publishes a server-side event to a group: members' event handlers receive it. */
  groupSend<K extends keyof Ev & string>(
    group: string,
    type: K,
    payload: z.input<Ev[K]>,
    options?: { excludeCurrent?: boolean },
  ): Promise<void>;
  close(code?: number, reason?: string): void;
}

/** How a consumer keeps its contract: everything of a definition but the contract's own fields. */
export interface ConsumerBehaviour<
  P extends string,
  U,
  O,
  S,
  In extends Schemas,
  Out extends Schemas,
  Ev extends Schemas,
> {
  /** Tried in order; the first to return a user wins. None → 401 / close 4001. Omit for anonymous. */
  authenticators?: Authenticator<U, P>[];
  /** Loads the object the connection is about (after auth). null → 404 / close 4004. */
  loadObject?: (ctx: LoadContext<U, P>) => Awaitable<O | null>;
  /** Object-level permissions, all must pass. false → 403 / close 4003. */
  permissions?: Permission<U, O, P>[];
  /** Answer `{"action":"complete","payload":null}` after each client frame. */
  sendCompletion?: boolean;
  state?: () => S;
  /**
   * Frames a client that falls behind may skip: action → the key of its payload (e.g. the metric
   * id). While the client's send buffer is full, a newer frame with the same action and key
   * replaces the held one — the latest value wins (outbox.ts). Other frames are never dropped.
   */
  latestWins?: {
    [K in (keyof Out | keyof Ev) & string]?: (
      payload: K extends keyof Ev ? z.output<Ev[K]> : K extends keyof Out ? z.output<Out[K]> : never,
    ) => string | number | undefined;
  };
  /**
   * Events that connections which called `ctx.shareTopics(set)` receive from a shared,
   * pre-framed batch instead of through their event handler (shared-fanout.ts): action → the
   * event's topic (e.g. its metric id). Such a connection gets the frame as-is iff its topic is
   * in the set, so the handler must do exactly that for a connection in that state; connections
   * with the same set share one Buffer per event-loop turn.
   */
  sharedEvents?: {
    [K in keyof Ev & string]?: (event: z.output<Ev[K]>) => string | number;
  };
  /** Runs once after a successful handshake, before any queued client frame is handled. */
  onAuthenticated?: (ctx: ConsumerContext<U, O, S, P, Out, Ev>) => Awaitable<void>;
  handlers: {
    [K in keyof In]: (
      payload: z.output<In[K]>,
      ctx: ConsumerContext<U, O, S, P, Out, Ev>,
      // biome-ignore lint/suspicious/noConfusingVoidType: handlers that reply nothing simply return
    ) => Awaitable<Reply<Out> | undefined | void>;
  };
  /** Missing handler for a delivered event: the event frame is forwarded to the client as-is. */
  eventHandlers?: {
    [K in keyof Ev]?: (
      event: z.output<Ev[K]>,
      ctx: ConsumerContext<U, O, S, P, Out, Ev>,
      frame: PreparedFrame,
    ) => Awaitable<void>;
  };
  onDisconnect?: (
    ctx: ConsumerContext<U, O, S, P, Out, Ev>,
    close: { code: number; reason: string },
  ) => Awaitable<void>;
}

/** A consumer in one object: the contract's fields beside the behaviour (no separate contract). */
export interface ConsumerDefinition<
  P extends string,
  U,
  O,
  S,
  In extends Schemas,
  Out extends Schemas,
  Ev extends Schemas,
> extends ConsumerBehaviour<P, U, O, S, In, Out, Ev> {
  /** URL path; `:name` segments become string params. A trailing slash is optional when matching. */
  path: P;
  /** Client → server: action → payload schema. */
  incoming: In;
  /** Server → client: action → payload schema (typing + AsyncAPI; not validated at runtime). */
  outgoing?: Out;
  /** Server-side events delivered through groups: type → payload schema (validated on send). */
  events?: Ev;
}

export interface Consumer<
  P extends string = string,
  U = unknown,
  O = unknown,
  S = unknown,
  In extends Schemas = Schemas,
  Out extends Schemas = Schemas,
  Ev extends Schemas = Schemas,
> {
  readonly path: P;
  readonly incoming: In;
  readonly outgoing: Out;
  readonly events: Ev;
  /** What the consumer promises (path and schemas), for AsyncAPI and typed senders. */
  readonly contract: Contract<P, In, Out, Ev>;
  /** The contract's fields and the behaviour together, as the framework runs them. */
  readonly definition: ConsumerDefinition<P, U, O, S, In, Out, Ev>;
  /** Params of a matching pathname, or null. */
  match(pathname: string): Record<string, string> | null;
}

// biome-ignore lint/suspicious/noExplicitAny: the erased form every concrete consumer fits into
export type AnyConsumer = Consumer<string, any, any, any, any, any, any>;

/**
 * The context a consumer's hooks receive, by name: `ContextOf<typeof consumer>`, or
 * `ContextOf<typeof contract, User, Object, State>` for helpers written beside the consumer (whose
 * type is not known yet where they are declared).
 */
export type ContextOf<C, U = unknown, O = unknown, S = unknown> =
  // biome-ignore lint/suspicious/noExplicitAny: any incoming schemas; the context does not use them
  C extends Consumer<infer P, infer CU, infer CO, infer CS, any, infer Out, infer Ev>
    ? ConsumerContext<CU, CO, CS, P, Out, Ev>
    : // biome-ignore lint/suspicious/noExplicitAny: likewise
      C extends Contract<infer P, any, infer Out, infer Ev>
      ? ConsumerContext<U, O, S, P, Out, Ev>
      : never;

type ErasedBehaviour = ConsumerBehaviour<string, unknown, unknown, unknown, Schemas, Schemas, Schemas>;
type ErasedDefinition = ConsumerDefinition<string, unknown, unknown, unknown, Schemas, Schemas, Schemas>;

/** A contract implemented: `defineConsumer(contract, { authenticators, handlers, … })`. */
export function defineConsumer<
  P extends string,
  In extends Schemas,
  Out extends Schemas,
  Ev extends Schemas,
  U = null,
  O = null,
  S = Empty,
>(
  contract: Contract<P, In, Out, Ev>,
  behaviour: ConsumerBehaviour<P, U, O, S, In, Out, Ev>,
): Consumer<P, U, O, S, In, Out, Ev>;
/** A consumer in one object (contract and behaviour together), as before contracts. */
export function defineConsumer<
  P extends string,
  In extends Schemas,
  U = null,
  O = null,
  S = Empty,
  Out extends Schemas = Empty,
  Ev extends Schemas = Empty,
>(definition: ConsumerDefinition<P, U, O, S, In, Out, Ev>): Consumer<P, U, O, S, In, Out, Ev>;
export function defineConsumer(
  first: AnyContract | ErasedDefinition,
  behaviour?: ErasedBehaviour,
): AnyConsumer {
  // One object: its contract is the part of it that says what, not how.
  const contract: AnyContract = behaviour
    ? (first as AnyContract)
    : defineContract({
        path: first.path,
        incoming: first.incoming,
        outgoing: first.outgoing,
        events: first.events,
        authenticated: ((first as ErasedDefinition).authenticators?.length ?? 0) > 0,
      });
  const definition: ErasedDefinition = {
    ...(behaviour ?? (first as ErasedDefinition)),
    path: contract.path,
    incoming: contract.incoming,
    outgoing: contract.outgoing,
    events: contract.events,
  };
  const matcher: PathMatcher = compilePath(definition.path);
  for (const action of Object.keys(definition.incoming)) {
    if (typeof (definition.handlers as Record<string, unknown>)[action] !== "function") {
      throw new TypeError(`Consumer ${definition.path}: no handler for incoming action "${action}"`);
    }
  }
  return {
    path: contract.path,
    incoming: contract.incoming,
    outgoing: contract.outgoing,
    events: contract.events,
    contract,
    definition,
    match: matcher,
  };
}
