// Owns the server's side of the error vocabulary. The codes, their HTTP statuses and close codes
// are the ONE table in @pulseboard/channels/error-codes, and the base class and the errors both
// transports throw (validation, 401, 403, 404, 429, 500) are the framework's, re-exported here so
// a REST route and a WebSocket handler cannot pick different classes for one idea. Here: the
// errors only REST answers, and the translation of Fastify's and the drivers' errors into ours.
import {
  ChannelsError,
  type ErrorCode,
  ForbiddenError,
  InternalError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  type ValidationIssue,
} from "@pulseboard/channels";

export {
  ChannelsError,
  type ErrorCode,
  ForbiddenError,
  InternalError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  type ValidationIssue,
};

export class BadRequestError extends ChannelsError {
  constructor(message: string) {
    super(message, "PB_ERR_BAD_REQUEST");
  }
}
export class CsrfError extends ChannelsError {
  constructor(message = "Missing or invalid X-CSRF-Token header") {
    super(message, "PB_ERR_CSRF");
  }
}
export class ConflictError extends ChannelsError {
  constructor(message: string) {
    super(message, "PB_ERR_CONFLICT");
  }
}
export class TooLargeError extends ChannelsError {
  constructor(message = "Request body is too large") {
    super(message, "PB_ERR_TOO_LARGE");
  }
}

export class LocalLoginOffError extends ChannelsError {
  constructor(message = "Password login is switched off on this server; sign in with single sign-on") {
    super(message, "PB_ERR_LOCAL_LOGIN_OFF");
  }
}

/** A dependency (the database) cannot be reached: nothing was done, retry later. */
export class UnavailableError extends ChannelsError {
  constructor(message = "Storage is unavailable; nothing was stored. Retry later.") {
    super(message, "PB_ERR_UNAVAILABLE");
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
  // SQLite's write lock held past busy_timeout (by the writer thread, the CLI): nothing committed.
  if (code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT") return true;
  if (UNAVAILABLE_ERRNO.has(code) || code.startsWith("08") || /^57P0[1-3]$/.test(code)) return true;
  const message = typeof e.message === "string" ? e.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/** Fastify's own errors (body parsing, limits) translated into ours, so clients see one shape. */
export function fromFrameworkError(error: unknown): ChannelsError {
  if (error instanceof ChannelsError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  // A unique index lost a race (two creates of the same slug/name at once): same answer as the check.
  if (e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "23505") return new ConflictError("Already exists");
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE" || e.statusCode === 413) return new TooLargeError();
  if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || e.statusCode === 415)
    return new BadRequestError("Unsupported Content-Type: send application/json");
  if (e.statusCode === 400 || e instanceof SyntaxError)
    return new BadRequestError(`Malformed request body: ${e.message ?? "invalid JSON"}`);
  if (e.statusCode === 404) return new NotFoundError("Route not found");
  if (e.statusCode === 429) return new RateLimitedError();
  if (isStorageUnavailable(e)) return new UnavailableError();
  return new InternalError();
}
