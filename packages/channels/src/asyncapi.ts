// Owns the AsyncAPI 3.0 document: it is generated from the same Zod schemas the consumers
// validate with (never written by hand), plus the framework's built-in messages
// (authentication, error, complete). Each message also gets an example payload built from its
// schema by openapi-sampler, which the browser playground offers as a prefilled frame.
import { sample } from "openapi-sampler";
import { type ZodType, z } from "zod";
import type { AnyConsumer } from "./consumer.ts";
import type { AnyContract } from "./contract.ts";
import { protocolMessages } from "./protocol.ts";

/** What the generator needs to know about one endpoint (a contract is one; so is a hand-written spec). */
export interface ConsumerSpec {
  /** Channel id in the document, e.g. "dashboard"; defaults to a slug of the path. */
  name?: string;
  /** Route, with `:param` or `{param}` placeholders, e.g. "/ws/dashboard/:id/". */
  path: string;
  description?: string;
  /** Descriptions of path parameters, by name. */
  params?: Readonly<Record<string, string | undefined>>;
  /** Client → server messages by action: payload schemas, or whole `{action, payload}` schemas. */
  incoming: Record<string, ZodType>;
  /** Server → client messages by action (same convention). */
  outgoing: Record<string, ZodType>;
  /** Server-side events (group broadcasts) that reach the client as frames, by action. */
  events?: Record<string, ZodType>;
  /** True when the consumer answers each client frame with `complete`. */
  sendCompletion?: boolean;
  /** False for consumers that accept anonymous connections (no `authentication` failures). */
  authenticated?: boolean;
}

export interface AsyncApiOptions {
  title: string;
  version: string;
  description?: string;
  /** host[:port] the document advertises, e.g. "localhost:8080". */
  host?: string;
  /** "ws" or "wss". */
  protocol?: "ws" | "wss";
  /**
   * The endpoints: contracts (`defineContract`, read alone: no consumer is built), consumers
   * (`defineConsumer`, read through their contract) or hand-written specs.
   */
  consumers: readonly (ConsumerSpec | AnyContract | AnyConsumer)[];
  /** What the server entry says; defaults to the Pulseboard server's description. */
  serverDescription?: string;
  /**
   * True for a server whose clients connect without credentials (the chat example): no session
   * cookie or token schemes are listed. Defaults to Pulseboard's cookie, bearer and query token.
   */
  anonymous?: boolean;
}

/** A contract, or a `defineConsumer` result (through its contract) → the generator's view of it. */
export function specOf(source: ConsumerSpec | AnyContract | AnyConsumer): ConsumerSpec {
  if (!("definition" in source)) return source;
  // The contract alone decides the document, so a consumer's is always its contract's.
  return { ...source.contract, sendCompletion: source.definition.sendCompletion === true };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const BUILTIN_DESCRIPTIONS: Record<string, string> = {
  authentication:
    "Sent once right after the upgrade. status_code 200 on success; 401 (no/invalid credentials), " +
    "403 (not allowed) or 404 (no such object) on failure, followed by close code 4001/4003/4004.",
  error:
    "Answer to a bad client frame; the connection stays open. Either a list of validation issues " +
    '[{type, loc, msg}] (loc starts with "payload") or {detail} with a human message.',
  complete: "Sent after each client frame has been handled, when the consumer has send_completion on.",
  draining:
    "Sent to every connection when this node starts draining for a restart (a hand-over): open a new " +
    "connection (the proxy sends it to another node), resume there, then close this one. Connections " +
    "still open after within_ms are closed with 1012.",
};

/** Zod → JSON Schema (draft-07, the base of the AsyncAPI schema format). */
export function jsonSchemaOf(schema: ZodType, io: "input" | "output"): JsonObject {
  const out = z.toJSONSchema(schema, { target: "draft-07", io, unrepresentable: "any" }) as JsonObject;
  delete out.$schema;
  return out;
}

/** When a schema describes the whole frame (`{action: literal, payload}`), keep only its payload. */
function payloadSchemaOf(action: string, schema: JsonObject): JsonObject {
  const props = schema.properties;
  if (schema.type === "object" && props && typeof props === "object" && !Array.isArray(props)) {
    const a = props.action as JsonObject | undefined;
    if (a && a.const === action) {
      const payload = (props.payload as JsonObject | undefined) ?? {};
      const required = Array.isArray(schema.required) && schema.required.includes("payload");
      return required ? payload : { ...payload, "x-optional": true };
    }
  }
  return schema;
}

/** The frame schema for an action: `{action: "<name>", payload: <payload schema>}`. */
function frameSchema(action: string, payload: JsonObject): JsonObject {
  const optional = payload["x-optional"] === true;
  const clean = { ...payload };
  delete clean["x-optional"];
  return {
    type: "object",
    properties: { action: { type: "string", const: action }, payload: clean },
    required: optional ? ["action"] : ["action", "payload"],
  };
}

/**
 * A value that satisfies a (draft-07, Zod-generated) JSON schema, for a message's example:
 * openapi-sampler's, with optional properties left out (the smallest frame the schema accepts).
 */
export function exampleOf(schema: Json | undefined): Json {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return null;
  return (sample(schema as Parameters<typeof sample>[0], { skipNonRequired: true, quiet: true }) ??
    null) as Json;
}

/** ":id" and "{id}" → "{id}"; returns the AsyncAPI address and the parameter names. */
function addressOf(path: string): { address: string; params: string[] } {
  const params: string[] = [];
  const address = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, a, b) => {
    const name = (a ?? b) as string;
    params.push(name);
    return `{${name}}`;
  });
  return { address, params };
}

function slug(text: string): string {
  return (
    text
      .replace(/[{}:]/g, "")
      .split(/[^A-Za-z0-9]+/)
      .filter((s) => s && s !== "ws")
      .join("_") || "root"
  );
}

const ID = /[^A-Za-z0-9_.-]/g;

/** How Pulseboard's clients authenticate (left out for an `anonymous` server). */
const SECURITY_SCHEMES: JsonObject = {
  sessionCookie: {
    type: "httpApiKey",
    in: "cookie",
    name: "pb_session",
    description: "Browser session cookie set by POST /api/v1/auth/login.",
  },
  bearerToken: {
    type: "http",
    scheme: "bearer",
    description: "API token in the Authorization header (programs).",
  },
  queryToken: {
    type: "httpApiKey",
    in: "query",
    name: "token",
    description: "API token as ?token= (clients that cannot set headers).",
  },
};

/** Builds the AsyncAPI 3.0 document for the given consumers. */
export function generateAsyncApi(options: AsyncApiOptions): JsonObject {
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};

  for (const consumer of options.consumers.map(specOf)) {
    const { address, params } = addressOf(consumer.path);
    const channelId = (consumer.name ?? slug(address)).replace(ID, "_");
    const channelMessages: JsonObject = {};
    const receive: Json[] = [];
    const send: Json[] = [];

    const add = (action: string, schema: ZodType, direction: "receive" | "send", summary?: string) => {
      // The same action may exist in both directions with different shapes (chat's `message`),
      // so the direction is part of the key: "client.ping", "server.pong".
      const key = `${direction === "receive" ? "client" : "server"}.${action.replace(ID, "_")}`;
      const messageId = `${channelId}.${key}`;
      if (messages[messageId]) return;
      let payload = payloadSchemaOf(
        action,
        jsonSchemaOf(schema, direction === "receive" ? "input" : "output"),
      );
      // JSON Schema cannot say "this value may be absent"; ask the Zod schema itself.
      if (!("x-optional" in payload) && schema.safeParse(undefined).success) {
        payload = { ...payload, "x-optional": true };
      }
      const frame = frameSchema(action, payload);
      // Docs attached with `message(schema, {title, description, examples})` (Zod .meta()).
      const meta = (schema.meta() ?? {}) as { title?: string; description?: string; examples?: unknown[] };
      const examples: Json[] = Array.isArray(meta.examples)
        ? meta.examples.map((ex, i) => ({
            name: `${action}_${i + 1}`,
            payload: { action, payload: ex as Json },
          }))
        : [{ name: action, payload: exampleOf(frame) }];
      const message: JsonObject = {
        name: action,
        title: meta.title ?? action,
        summary:
          summary ?? (direction === "receive" ? `client → server: ${action}` : `server → client: ${action}`),
        contentType: "application/json",
        payload: frame,
        examples,
      };
      const description = meta.description ?? BUILTIN_DESCRIPTIONS[action];
      if (description) message.description = description;
      messages[messageId] = message;
      channelMessages[key] = { $ref: `#/components/messages/${messageId}` };
      const ref = { $ref: `#/channels/${channelId}/messages/${key}` };
      (direction === "receive" ? receive : send).push(ref);
    };

    for (const [action, schema] of Object.entries(consumer.incoming)) add(action, schema, "receive");
    for (const [action, schema] of Object.entries(consumer.outgoing)) add(action, schema, "send");
    for (const [action, schema] of Object.entries(consumer.events ?? {})) {
      if ((schema.meta() as { internal?: boolean } | undefined)?.internal) continue; // never a frame
      add(action, schema, "send", `server → client (pushed to the group): ${action}`);
    }
    // Built-ins last, so a consumer that re-declares one (a stricter shape) wins.
    const builtins: [string, ZodType][] = Object.entries(protocolMessages);
    for (const [action, schema] of builtins) {
      if (action === "authentication" && consumer.authenticated === false) continue;
      add(action, schema, "send");
    }

    const channel: JsonObject = {
      address,
      title: channelId,
      description:
        consumer.description ??
        `WebSocket endpoint ${address}. Every frame is JSON \`{"action": "<name>", "payload": <any>}\`.`,
      messages: channelMessages,
      bindings: {
        ws: {
          method: "GET",
          ...(options.anonymous
            ? {}
            : {
                query: {
                  type: "object",
                  properties: {
                    token: { type: "string", description: "API token (alternative to a cookie or header)" },
                  },
                },
              }),
          bindingVersion: "0.1.0",
        },
      },
    };
    if (params.length > 0) {
      const p: JsonObject = {};
      for (const name of params)
        p[name] = { description: consumer.params?.[name] ?? `Path parameter ${name}` };
      channel.parameters = p;
    }
    channels[channelId] = channel;
    if (receive.length > 0) {
      operations[`${channelId}.receive`] = {
        action: "receive",
        title: `Messages ${channelId} accepts`,
        summary: `Frames a client may send on ${address}`,
        channel: { $ref: `#/channels/${channelId}` },
        messages: receive,
      };
    }
    if (send.length > 0) {
      operations[`${channelId}.send`] = {
        action: "send",
        title: `Messages ${channelId} sends`,
        summary: `Frames the server sends on ${address}`,
        channel: { $ref: `#/channels/${channelId}` },
        messages: send,
      };
    }
  }

  const server: JsonObject = {
    host: options.host ?? "localhost:8080",
    protocol: options.protocol ?? "ws",
    description:
      options.serverDescription ?? "The Pulseboard server; WebSocket endpoints share the HTTP port.",
  };
  if (!options.anonymous) {
    server.security = [
      { $ref: "#/components/securitySchemes/sessionCookie" },
      { $ref: "#/components/securitySchemes/bearerToken" },
      { $ref: "#/components/securitySchemes/queryToken" },
    ];
  }

  const info: JsonObject = { title: options.title, version: options.version };
  if (options.description) info.description = options.description;
  return {
    asyncapi: "3.0.0",
    info,
    defaultContentType: "application/json",
    servers: { default: server },
    channels,
    operations,
    components: {
      messages,
      ...(options.anonymous ? {} : { securitySchemes: SECURITY_SCHEMES }),
    },
  };
}
