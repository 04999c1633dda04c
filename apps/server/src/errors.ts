// Owns the server's error vocabulary: a few classes with stable `code` strings, and the ONE
// table mapping each code to an HTTP status and (for the handshake) a WebSocket close code.
import type { ZodError } from "zod";

export type ErrorCode =
  | "PB_ERR_VALIDATION"
  | "PB_ERR_BAD_REQUEST"
  | "PB_ERR_UNAUTHORIZED"
  | "PB_ERR_FORBIDDEN"
  | "PB_ERR_CSRF"
  | "PB_ERR_NOT_FOUND"
  | "PB_ERR_CONFLICT"
  | "PB_ERR_TOO_LARGE"
  | "PB_ERR_RATE_LIMITED"
  | "PB_ERR_UNAVAILABLE"
  | "PB_ERR_HOST_NOT_ALLOWED"
  | "PB_ERR_LOCAL_LOGIN_OFF"
  | "PB_ERR_INTERNAL";

/** The same shape the WebSocket protocol uses for validation errors. */
export type ErrorDetail = { type: string; loc: Array<string | number>; msg: string };

const HTTP_STATUS: Record<ErrorCode, number> = {
  PB_ERR_VALIDATION: 400,
  PB_ERR_BAD_REQUEST: 400,
  PB_ERR_UNAUTHORIZED: 401,
  PB_ERR_FORBIDDEN: 403,
  PB_ERR_CSRF: 403,
  PB_ERR_NOT_FOUND: 404,
  PB_ERR_CONFLICT: 409,
  PB_ERR_TOO_LARGE: 413,
  PB_ERR_RATE_LIMITED: 429,
  PB_ERR_UNAVAILABLE: 503,
  // Answered by guard/http-server.ts before routing (a Host this server does not answer to).
  PB_ERR_HOST_NOT_ALLOWED: 421,
  // Password login switched off (PULSEBOARD_LOCAL_LOGIN=0): single sign-on is the way in.
  PB_ERR_LOCAL_LOGIN_OFF: 403,
  PB_ERR_INTERNAL: 500,
};

/** Close codes of a refused WebSocket handshake (DESIGN.md): 4000 + the HTTP status. */
const WS_CLOSE: Partial<Record<ErrorCode, number>> = {
  PB_ERR_UNAUTHORIZED: 4001,
  PB_ERR_FORBIDDEN: 4003,
  PB_ERR_NOT_FOUND: 4004,
};

export class PulseboardError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  constructor(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return HTTP_STATUS[this.code];
  }
  get closeCode(): number {
    return WS_CLOSE[this.code] ?? 4000;
  }
  toJSON() {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export class ValidationError extends PulseboardError {
  constructor(details: ErrorDetail[], message = "Invalid request") {
    super("PB_ERR_VALIDATION", message, details);
  }
  static fromZod(error: ZodError, prefix: Array<string | number> = []): ValidationError {
    return new ValidationError(
      error.issues.map((issue) => ({
        type: issue.code,
        loc: [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
        msg: issue.message,
      })),
    );
  }
}
export class BadRequestError extends PulseboardError {
  constructor(message: string) {
    super("PB_ERR_BAD_REQUEST", message);
  }
}
export class UnauthorizedError extends PulseboardError {
  constructor(message = "Authentication required") {
    super("PB_ERR_UNAUTHORIZED", message);
  }
}
export class ForbiddenError extends PulseboardError {
  constructor(message = "You do not have permission to do this") {
    super("PB_ERR_FORBIDDEN", message);
  }
}
export class CsrfError extends PulseboardError {
  constructor(message = "Missing or invalid X-CSRF-Token header") {
    super("PB_ERR_CSRF", message);
  }
}
export class NotFoundError extends PulseboardError {
  constructor(what = "Object") {
    super("PB_ERR_NOT_FOUND", `${what} not found`);
  }
}
export class ConflictError extends PulseboardError {
  constructor(message: string) {
    super("PB_ERR_CONFLICT", message);
  }
}
export class TooLargeError extends PulseboardError {
  constructor(message = "Request body is too large") {
    super("PB_ERR_TOO_LARGE", message);
  }
}
export class RateLimitedError extends PulseboardError {
  /** Seconds until a retry may succeed; sent as Retry-After. */
  readonly retryAfterS: number | undefined;
  constructor(message = "Too many requests", retryAfterS?: number) {
    super("PB_ERR_RATE_LIMITED", message);
    this.retryAfterS = retryAfterS;
  }
}

export class LocalLoginOffError extends PulseboardError {
  constructor(message = "Password login is switched off on this server; sign in with single sign-on") {
    super("PB_ERR_LOCAL_LOGIN_OFF", message);
  }
}

/** A dependency (the database) cannot be reached: nothing was done, retry later. */
export class UnavailableError extends PulseboardError {
  constructor(message = "Storage is unavailable; nothing was stored. Retry later.") {
    super("PB_ERR_UNAVAILABLE", message);
  }
}

// Connection-level failures of the database driver (pg: refused/reset sockets, SQLSTATE class
// 08 connection exceptions and 57P0x shutdowns): the request did not commit anything.
const UNAVAILABLE_ERRNO = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);
function isStorageUnavailable(e: { code?: unknown; message?: unknown }): boolean {
  const code = typeof e.code === "string" ? e.code : "";
  if (UNAVAILABLE_ERRNO.has(code) || code.startsWith("08") || /^57P0[1-3]$/.test(code)) return true;
  const message = typeof e.message === "string" ? e.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/** Fastify's own errors (body parsing, limits) translated into ours, so clients see one shape. */
export function fromFrameworkError(error: unknown): PulseboardError {
  if (error instanceof PulseboardError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  // A unique index lost a race (two creates of the same slug/name at once): same answer as the check.
  if (e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "23505") return new ConflictError("Already exists");
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE" || e.statusCode === 413) return new TooLargeError();
  if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || e.statusCode === 415)
    return new BadRequestError("Unsupported Content-Type: send application/json");
  if (e.statusCode === 400 || e instanceof SyntaxError)
    return new BadRequestError(`Malformed request body: ${e.message ?? "invalid JSON"}`);
  if (e.statusCode === 404) return new NotFoundError("Route");
  if (e.statusCode === 429) return new RateLimitedError();
  if (isStorageUnavailable(e)) return new UnavailableError();
  return new PulseboardError("PB_ERR_INTERNAL", "Internal server error");
}
