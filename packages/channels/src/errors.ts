// Errors are values: each class carries a stable `code`, and THIS module alone decides how an
// error becomes a protocol frame (error / authentication) or a WebSocket close code.
import type { z } from "zod";
import { CloseCode, type ErrorPayload, type ValidationIssue } from "./protocol.ts";

/**
 * Base class; throw it (or a subclass) from a handler to answer the sender with
 * `{"action":"error","payload":{"detail": message}}`. The connection stays open.
 */
export class ChannelsError extends Error {
  readonly code: string;
  constructor(detail: string, code = "PB_ERR_REQUEST") {
    super(detail);
    this.name = new.target.name;
    this.code = code;
  }
}

export class ValidationError extends ChannelsError {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    super("Invalid payload", "PB_ERR_VALIDATION");
    this.issues = issues;
  }
  static fromZod(error: z.ZodError): ValidationError {
    return new ValidationError(
      error.issues.map((issue) => ({
        type: issue.code,
        loc: ["payload", ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
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

/** Closes the connection (4029). */
export class RateLimitedError extends ChannelsError {
  constructor(detail = "Rate limit exceeded") {
    super(detail, "PB_ERR_RATE_LIMITED");
  }
}

/** Closes the connection (4008). */
export class SlowConsumerError extends ChannelsError {
  constructor(detail = "Send buffer over limit for too long") {
    super(detail, "PB_ERR_SLOW_CONSUMER");
  }
}

/** Handshake failures: answered with an `authentication` frame, then a 4xxx close. */
export class UnauthenticatedError extends ChannelsError {
  constructor(detail = "Authentication required") {
    super(detail, "PB_ERR_UNAUTHENTICATED");
  }
}

export class ForbiddenError extends ChannelsError {
  constructor(detail = "Permission denied") {
    super(detail, "PB_ERR_FORBIDDEN");
  }
}

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

export type HandshakeError = UnauthenticatedError | ForbiddenError | NotFoundError | TooManyConnectionsError;
type HandshakeStatus = 401 | 403 | 404 | 429;

/** Builds the handshake error for an HTTP-like status (401 / 403 / 404 / 429). */
export function handshakeError(status: HandshakeStatus, detail?: string): HandshakeError {
  if (status === 401) return new UnauthenticatedError(detail);
  if (status === 403) return new ForbiddenError(detail);
  if (status === 429) return new TooManyConnectionsError(detail);
  return new NotFoundError(detail);
}

const HANDSHAKE: Record<string, { status: HandshakeStatus; text: string; close: number }> = {
  PB_ERR_UNAUTHENTICATED: { status: 401, text: "Unauthorized", close: CloseCode.unauthenticated },
  PB_ERR_FORBIDDEN: { status: 403, text: "Forbidden", close: CloseCode.forbidden },
  PB_ERR_NOT_FOUND: { status: 404, text: "Not Found", close: CloseCode.notFound },
  PB_ERR_TOO_MANY_CONNECTIONS: { status: 429, text: "Too Many Requests", close: CloseCode.rateLimited },
};

const CLOSING: Record<string, number> = {
  PB_ERR_RATE_LIMITED: CloseCode.rateLimited,
  PB_ERR_SLOW_CONSUMER: CloseCode.slowConsumer,
};

/** Any thrown value → a ChannelsError; unexpected ones become InternalError (log the original). */
export function asChannelsError(err: unknown): ChannelsError {
  return err instanceof ChannelsError ? err : new InternalError();
}

/** The `error` frame payload for an error answered on an open connection. */
export function errorPayload(err: ChannelsError): ErrorPayload {
  return err instanceof ValidationError ? err.issues : { detail: err.message };
}

/** The `authentication` frame payload + close code for a handshake outcome. */
export function handshakeOutcome(err: ChannelsError | null): {
  payload: { status_code: 200 | HandshakeStatus; status_text: string; data: { detail: string } };
  close: number | null;
} {
  if (err === null) {
    return { payload: { status_code: 200, status_text: "OK", data: { detail: "OK" } }, close: null };
  }
  const h = HANDSHAKE[err.code] ?? HANDSHAKE.PB_ERR_FORBIDDEN!;
  return {
    payload: { status_code: h.status, status_text: h.text, data: { detail: err.message } },
    close: h.close,
  };
}

/**
 * The close code for an error that ends an open connection, or null if it is answered with an
 * `error` frame instead. Handshake errors thrown by a handler (e.g. ForbiddenError for another
 * dashboard's metric) are answered, not closing: only the handshake itself closes with 4001/3/4.
 */
export function closeCodeFor(err: ChannelsError): number | null {
  return CLOSING[err.code] ?? null;
}

export function isHandshakeError(err: unknown): err is HandshakeError {
  return err instanceof ChannelsError && err.code in HANDSHAKE;
}
