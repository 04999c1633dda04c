// What a WebSocket endpoint promises, apart from how it keeps the promise: its path, the messages
// each side may send and the server-side events of its groups, as Zod schemas (tRPC's router, for
// one socket). The consumer (consumer.ts) implements a contract; the AsyncAPI document, the typed
// group sender (`server.groupSend(contract, …)`) and clients read the contract alone, so none of
// them needs a consumer, its storage or its state. A leaf module: Zod types only, browser-safe.
import type { z } from "zod";
import type { Schemas } from "./router.ts";

export type { Schemas };

type Empty = Record<never, never>;

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** `"/ws/dashboard/:id/"` → `{ id: string }`. */
export type PathParams<P extends string> = { [K in ParamNames<P>]: string };

export interface Contract<
  P extends string = string,
  In extends Schemas = Schemas,
  Out extends Schemas = Schemas,
  Ev extends Schemas = Schemas,
> {
  /** URL path; `:name` segments become string params. A trailing slash is optional when matching. */
  readonly path: P;
  /** Client → server: action → payload schema (validated before a handler runs). */
  readonly incoming: In;
  /** Server → client: action → payload schema (typing + AsyncAPI; not validated at runtime). */
  readonly outgoing: Out;
  /** Server-side events delivered through groups: type → payload schema (validated on send). */
  readonly events: Ev;
  /** The channel's id in the AsyncAPI document (default: a slug of the path). */
  readonly name?: string;
  /** What the endpoint is for, for the AsyncAPI document. */
  readonly description?: string;
  /** Descriptions of the path parameters, for the AsyncAPI document. */
  readonly params?: { readonly [K in ParamNames<P>]?: string };
  /**
   * False for an endpoint anyone may join: the AsyncAPI document then leaves `authentication` out
   * (default: listed). A consumer defined in one object (no contract) says so by having no authenticators.
   */
  readonly authenticated?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the erased form every concrete contract fits into
export type AnyContract = Contract<string, any, any, any>;

/** What `defineContract` takes: `outgoing` and `events` may be left out (none). */
export interface ContractInput<P extends string, In extends Schemas, Out extends Schemas, Ev extends Schemas>
  extends Omit<Contract<P, In, Out, Ev>, "outgoing" | "events"> {
  readonly outgoing?: Out;
  readonly events?: Ev;
}

export function defineContract<
  P extends string,
  In extends Schemas,
  Out extends Schemas = Empty,
  Ev extends Schemas = Empty,
>(contract: ContractInput<P, In, Out, Ev>): Contract<P, In, Out, Ev> {
  return { ...contract, outgoing: (contract.outgoing ?? {}) as Out, events: (contract.events ?? {}) as Ev };
}

/** Event names and payloads of a contract, or of a consumer (for `server.groupSend`). */
export type EventsOf<C> = C extends { readonly events: infer Ev extends Schemas } ? Ev : never;
export type EventName<C> = C extends { readonly events: Schemas } ? keyof EventsOf<C> & string : never;
/** What a sender passes for event `K` (the schema's input; the receivers get its output). */
export type EventPayload<C, K extends string> = C extends { readonly events: Schemas }
  ? K extends keyof EventsOf<C>
    ? z.input<EventsOf<C>[K]>
    : never
  : never;

/** Sends server-side events to groups, each type-checked against the contract it belongs to. */
export interface ContractSender {
  groupSend<C extends AnyContract, K extends EventName<C>>(
    contract: C,
    group: string,
    type: K,
    payload: EventPayload<C, K>,
  ): Promise<void>;
  /** False when nobody anywhere can receive the group (sending to it would do nothing). */
  reaches?(group: string): boolean;
}
