// Errors are values: ONE base class whose `code` is a row of the error table (error-codes.ts), and
// the classes the framework and the server both throw. THIS module alone decides how an error
// becomes a protocol frame (error / authentication), a WebSocket close code or a REST answer, and
// it reads the status and close code from the table rather than keeping its own.
import type { z } from "zod";
import { type ErrorCode, errorCodes } from "./error-codes.ts";
import type { ErrorPayload, ValidationIssue } from "./protocol.ts";

/**
 * Base class; throw it (or a subclass) from a handler to answer the sender with
 * `{"action":"error","payload":{"detail": message}}` (the connection stays open), or from a REST
 * route to answer `{"error": {code, message, details?}}` with the code's HTTP status.
 */
export class ChannelsError extends Error {
  readonly code: ErrorCode;
  readonly details: ValidationIssue[] | undefined;
  constructor(detail: string, code: ErrorCode = "PB_ERR_REQUEST", details?: ValidationIssue[]) {
    super(detail);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  /** The HTTP status of the code (500 for a code that is never an HTTP answer). */
  get status(): number {
    return errorCodes[this.code].status ?? 500;
  }
  /** The REST answer's `error` member. */
  toJSON(): { code: ErrorCode; message: string; details?: ValidationIssue[] } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export class ValidationError extends ChannelsError {
  declare readonly details: ValidationIssue[];
  constructor(details: ValidationIssue[], message = "Invalid request") {
    super(message, "PB_ERR_VALIDATION", details);
  }
  /** One issue per Zod issue, `loc` = `prefix` + the issue's path (frames: ["payload", …]; REST: ["body", …]). */
  static fromZod(error: z.ZodError, prefix: Array<string | number> = ["payload"]): ValidationError {
    return new ValidationError(
      error.issues.map((issue) => ({
        type: issue.code,
        loc: [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
        msg: issue.message,
      })),
    );
  }
}

export class BadJsonError extends ChannelsError {
  constructor(detail = "Malformed JSON") {
    super(detail, "PB_ERR_BAD_JSON");
  }
}

/** Valid JSON that is not an `{action, payload}` object. */
export class BadFrameError extends ChannelsError {
  constructor(detail = 'A frame must be a JSON object {"action": string, "payload": any}') {
    super(detail, "PB_ERR_BAD_FRAME");
  }
}

export class UnknownActionError extends ChannelsError {
  constructor(action: string) {
    super(`Unknown action: ${JSON.stringify(action.slice(0, 100))}`, "PB_ERR_UNKNOWN_ACTION");
  }
}

export class FrameTooLargeError extends ChannelsError {
  constructor(size: number, limit: number) {
    super(`Frame of ${size} bytes exceeds the limit of ${limit} bytes; dropped`, "PB_ERR_FRAME_TOO_LARGE");
  }
}

/** Closes a WebSocket connection (4029); over REST a 429 with `Retry-After` when `retryAfterS` is set. */
export class RateLimitedError extends ChannelsError {
  /** Seconds until a retry may succeed; sent as Retry-After. */
  readonly retryAfterS: number | undefined;
  constructor(detail = "Too many requests", retryAfterS?: number) {
    super(detail, "PB_ERR_RATE_LIMITED");
    this.retryAfterS = retryAfterS;
  }
}

/** Closes the connection (4008). */
export class SlowConsumerError extends ChannelsError {
  constructor(detail = "Send buffer over limit for too long") {
    super(detail, "PB_ERR_SLOW_CONSUMER");
  }
}

/** 401. Handshake failures: answered with an `authentication` frame, then a 4xxx close. */
export class UnauthorizedError extends ChannelsError {
  constructor(detail = "Authentication required") {
    super(detail, "PB_ERR_UNAUTHORIZED");
  }
}

export class ForbiddenError extends ChannelsError {
  constructor(detail = "Permission denied") {
    super(detail, "PB_ERR_FORBIDDEN");
  }
}

/** `detail` is the whole message, e.g. "Dashboard not found". */
export class NotFoundError extends ChannelsError {
  constructor(detail = "Not found") {
    super(detail, "PB_ERR_NOT_FOUND");
  }
}

/** What the client sees for an unexpected exception: never the message or stack. */
export class InternalError extends ChannelsError {
  constructor() {
    super("Internal server error", "PB_ERR_INTERNAL");
  }
}

/** A connection limit refused the handshake (e.g. too many open connections for one user): 429 / 4029. */
export class TooManyConnectionsError extends ChannelsError {
  constructor(detail = "Too many connections") {
    super(detail, "PB_ERR_TOO_MANY_CONNECTIONS");
  }
}

export type HandshakeError = UnauthorizedError | ForbiddenError | NotFoundError | TooManyConnectionsError;
type HandshakeStatus = 401 | 403 | 404 | 429;

/** Builds the handshake error for an HTTP-like status (401 / 403 / 404 / 429). */
export function handshakeError(status: HandshakeStatus, detail?: string): HandshakeError {
  if (status === 401) return new UnauthorizedError(detail);
  if (status === 403) return new ForbiddenError(detail);
  if (status === 429) return new TooManyConnectionsError(detail);
  return new NotFoundError(detail);
}

const STATUS_TEXT: Record<HandshakeStatus, string> = {
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
};

/** Any thrown value → a ChannelsError; unexpected ones become InternalError (log the original). */
export function asChannelsError(err: unknown): ChannelsError {
  return err instanceof ChannelsError ? err : new InternalError();
}

/** The `error` frame payload for an error answered on an open connection. */
export function errorPayload(err: ChannelsError): ErrorPayload {
  return err.code === "PB_ERR_VALIDATION" && err.details ? err.details : { detail: err.message };
}

/** The `authentication` frame payload + close code for a handshake outcome. */
export function handshakeOutcome(err: ChannelsError | null): {
  payload: { status_code: 200 | HandshakeStatus; status_text: string; data: { detail: string } };
  close: number | null;
} {
  if (err === null) {
    return { payload: { status_code: 200, status_text: "OK", data: { detail: "OK" } }, close: null };
  }
  const spec = errorCodes[isHandshakeError(err) ? err.code : "PB_ERR_FORBIDDEN"];
  const status = spec.status as HandshakeStatus;
  return {
    payload: { status_code: status, status_text: STATUS_TEXT[status], data: { detail: err.message } },
    close: spec.close,
  };
}

/**
 * The close code for an error that ends an open connection, or null if it is answered with an
 * `error` frame instead. Handshake errors thrown by a handler (e.g. ForbiddenError for another
 * dashboard's metric) are answered, not closing: only the handshake itself closes with 4001/3/4.
 */
export function closeCodeFor(err: ChannelsError): number | null {
  const spec = errorCodes[err.code];
  return spec.ws === "close" ? spec.close : null;
}

export function isHandshakeError(err: unknown): err is HandshakeError {
  return err instanceof ChannelsError && errorCodes[err.code].ws === "authentication";
}
