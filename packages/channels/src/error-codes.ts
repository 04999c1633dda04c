// Owns THE table of Pulseboard error codes (as Fastify's lib/errors.js owns FST_ERR_*): for each
// `PB_ERR_*` code, its HTTP status, how a WebSocket connection meets it (the frame and close code)
// and who raises it. The error classes (errors.ts), the server's REST error handler, the SDK, the
// UI and docs/ERRORS.md all read this table; nothing else declares a code.
//
// It sits on the framework's protocol side (beside protocol.ts, Zod-only, safe in the browser)
// rather than in @pulseboard/protocol because the framework itself raises most of these codes and
// answers its handshake from their status and close code, and the framework cannot depend on the
// protocol package (which depends on it). @pulseboard/protocol/rest re-exports it for the UI.
import { CloseCode as CLOSE } from "./protocol.ts";

export type ErrorSpec = {
  /** HTTP status of a REST answer and of a refused handshake's `status_code`; null: never an HTTP status. */
  readonly status: number | null;
  /**
   * How a WebSocket connection meets the error. `authentication`: the handshake is refused with an
   * `authentication` frame carrying `status`, then closed with `close` (thrown later by a handler,
   * it is answered with an `error` frame instead); `close`: an open connection is closed with
   * `close`; `error`: an `error` frame answers, the connection stays; null: not raised on a connection.
   */
  readonly ws: "authentication" | "close" | "error" | null;
  /** WebSocket close code, where one applies. */
  readonly close: number | null;
  /** Answered over REST as `{"error": {code, message, details?}}`. */
  readonly rest: boolean;
  /** Who raises it: the WebSocket framework, the server, the SDK (never on the wire), a collector (logged). */
  readonly by: "framework" | "server" | "sdk" | "collector";
  readonly summary: string;
};

const framework = { by: "framework", rest: false, close: null } as const;
const server = { by: "server", rest: true, ws: null, close: null } as const;
const sdk = { by: "sdk", rest: false, ws: null, close: null, status: null } as const;
const collector = { by: "collector", rest: false, ws: null, close: null, status: null } as const;

export const errorCodes = {
  // ---- both transports ------------------------------------------------------------------------
  PB_ERR_VALIDATION: {
    ...framework,
    rest: true,
    status: 400,
    ws: "error",
    summary:
      "The payload or body does not match its schema; `details` (REST) or the `error` payload (WebSocket) lists `{type, loc, msg}` per problem.",
  },
  PB_ERR_UNAUTHORIZED: {
    ...framework,
    rest: true,
    status: 401,
    ws: "authentication",
    close: CLOSE.unauthenticated,
    summary: "No credentials, or credentials that are not valid (session cookie, API token, password).",
  },
  PB_ERR_FORBIDDEN: {
    ...framework,
    rest: true,
    status: 403,
    ws: "authentication",
    close: CLOSE.forbidden,
    summary: "Authenticated, but without the role or permission the request needs.",
  },
  PB_ERR_NOT_FOUND: {
    ...framework,
    rest: true,
    status: 404,
    ws: "authentication",
    close: CLOSE.notFound,
    summary: "No such object (or one the caller cannot see), or no such route.",
  },
  PB_ERR_RATE_LIMITED: {
    ...framework,
    rest: true,
    status: 429,
    ws: "close",
    close: CLOSE.rateLimited,
    summary:
      "Over a rate limit: REST answers 429 with `Retry-After`; a WebSocket client over its message rate is closed with 4029.",
  },
  PB_ERR_INTERNAL: {
    ...framework,
    rest: true,
    status: 500,
    ws: "error",
    summary: "An unexpected failure; logged on the server, never described to the client.",
  },
  // ---- WebSocket framework --------------------------------------------------------------------
  PB_ERR_REQUEST: {
    ...framework,
    status: 400,
    ws: "error",
    summary: "A handler refused the frame (the default code of an error thrown by a consumer).",
  },
  PB_ERR_BAD_JSON: { ...framework, status: 400, ws: "error", summary: "The frame is not JSON." },
  PB_ERR_BAD_FRAME: {
    ...framework,
    status: 400,
    ws: "error",
    summary: 'The frame is JSON but not an object `{"action": string, "payload": any}`.',
  },
  PB_ERR_UNKNOWN_ACTION: {
    ...framework,
    status: 400,
    ws: "error",
    summary: "The frame's `action` is not one the endpoint receives.",
  },
  PB_ERR_FRAME_TOO_LARGE: {
    ...framework,
    status: 413,
    ws: "error",
    summary: "The frame is over the size limit; it was dropped, the connection stays.",
  },
  PB_ERR_SLOW_CONSUMER: {
    ...framework,
    status: null,
    ws: "close",
    close: CLOSE.slowConsumer,
    summary: "The client read too slowly: its send buffer stayed over the limit, so it is closed with 4008.",
  },
  PB_ERR_TOO_MANY_CONNECTIONS: {
    ...framework,
    status: 429,
    ws: "authentication",
    close: CLOSE.rateLimited,
    summary: "A connection limit (e.g. open connections per user) refused the handshake.",
  },
  // ---- server ---------------------------------------------------------------------------------
  PB_ERR_BAD_REQUEST: {
    ...server,
    status: 400,
    summary:
      "The request cannot be read: malformed JSON, an unsafe JSON key, a bad encoding or content type.",
  },
  PB_ERR_CSRF: {
    ...server,
    status: 403,
    summary:
      "A cookie-authenticated request that changes state lacks the `X-CSRF-Token` header of its session.",
  },
  PB_ERR_CONFLICT: {
    ...server,
    status: 409,
    summary:
      "The change conflicts with the current state (a duplicate slug or name, an alert no longer open).",
  },
  PB_ERR_TOO_LARGE: { ...server, status: 413, summary: "The request body is over the size limit." },
  PB_ERR_HOST_NOT_ALLOWED: {
    ...server,
    status: 421,
    summary:
      "The Host header names a host this server does not answer to (`PULSEBOARD_ALLOWED_HOSTS`); refused before routing, WebSocket upgrades included.",
  },
  PB_ERR_LOCAL_LOGIN_OFF: {
    ...server,
    status: 403,
    summary: "Password login is switched off (`PULSEBOARD_LOCAL_LOGIN=0`): sign in with single sign-on.",
  },
  PB_ERR_UNAVAILABLE: {
    ...server,
    status: 503,
    ws: "error",
    summary: "Storage cannot be reached or its read pool is saturated; nothing was done, retry later.",
  },
  PB_ERR_UNKNOWN_METRIC: {
    ...server,
    rest: false,
    status: 400,
    ws: "error",
    summary:
      "`subscribe` named a metric id that is not on the connection's dashboard; nothing was subscribed.",
  },
  PB_ERR_INVALID_SELECTOR: {
    ...server,
    rest: false,
    status: 400,
    ws: "error",
    summary:
      '`subscribe_series` (or `unsubscribe_series`) named a selector that is not of the form `name{label="value"}`, holds a regular expression that is invalid or nests quantifiers, or would be the connection\'s 51st; nothing was subscribed. (REST answers a bad `?selector=` with `PB_ERR_VALIDATION`.)',
  },
  PB_ERR_BLOCKED_ADDRESS: {
    ...server,
    rest: false,
    status: null,
    summary:
      "A webhook URL resolved to an address the alerting policy refuses (private, loopback, …); recorded in the delivery log.",
  },
  // ---- SDK (raised in the client, never on the wire) -----------------------------------------
  PB_ERR_CLIENT_UNAUTHENTICATED: {
    ...sdk,
    close: CLOSE.unauthenticated,
    summary: "The server refused the credentials (401 / 4001); the client stops reconnecting.",
  },
  PB_ERR_CLIENT_FORBIDDEN: {
    ...sdk,
    close: CLOSE.forbidden,
    summary: "The server refused the membership (403 / 4003); the client stops reconnecting.",
  },
  PB_ERR_CLIENT_NOT_FOUND: {
    ...sdk,
    close: CLOSE.notFound,
    summary: "The dashboard does not exist (404 / 4004); the client stops reconnecting.",
  },
  PB_ERR_CLIENT_PROTOCOL: {
    ...sdk,
    summary: "A server frame is not JSON or does not match the protocol; it was ignored.",
  },
  PB_ERR_CLIENT_QUEUE_FULL: {
    ...sdk,
    summary: "The offline send queue is full; the message was not queued.",
  },
  PB_ERR_CLIENT_CLOSED: { ...sdk, summary: "`send` after `close()` or after a refused handshake." },
  PB_ERR_CLIENT_INVALID_MESSAGE: {
    ...sdk,
    summary: "The message does not match the protocol schema; it was not sent.",
  },
  PB_ERR_CLIENT_NO_WEBSOCKET: {
    ...sdk,
    summary: "No WebSocket implementation (Node 20): pass `createClient({ WebSocket })`.",
  },
  // ---- collectors (reported through `onError`, logged) --------------------------------------
  PB_ERR_COLLECTOR_CONFIG: {
    ...collector,
    summary: "A collector was started with options it cannot run with.",
  },
  PB_ERR_COLLECTOR_SINK: {
    ...collector,
    summary: "The sink rejected a batch; the batch is lost, the loop goes on.",
  },
  PB_ERR_COLLECTOR_READ: {
    ...collector,
    summary: "A system source (/proc file) could not be read or understood.",
  },
  PB_ERR_EXPOSITION_PARSE: {
    ...collector,
    summary: "A Prometheus exposition body is not valid text format.",
  },
  PB_ERR_SCRAPE_UNREACHABLE: { ...collector, summary: "A scrape target could not be connected to." },
  PB_ERR_SCRAPE_TIMEOUT: { ...collector, summary: "A scrape did not finish within its timeout." },
  PB_ERR_SCRAPE_HTTP_STATUS: { ...collector, summary: "A scrape target answered with a non-2xx status." },
  PB_ERR_SCRAPE_TOO_LARGE: { ...collector, summary: "A scrape body was over the size limit." },
  PB_ERR_SCRAPE_TOO_MANY_SERIES: { ...collector, summary: "A scrape held more series than the limit." },
  PB_ERR_SCRAPE_PARSE: { ...collector, summary: "A scrape body could not be parsed." },
} as const satisfies Record<`PB_ERR_${string}`, ErrorSpec>;

export type ErrorCode = keyof typeof errorCodes;
