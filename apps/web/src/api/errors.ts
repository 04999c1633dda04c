// The UI's error values: every failed REST call becomes an ApiError carrying the server's stable
// `PB_ERR_*` code, so views branch on codes rather than on message text.
import { type ErrorCode, errorCodes, type ValidationIssue } from "@pulseboard/protocol/rest";

export type { ValidationIssue };
/** A code of the server's error table, or `HTTP_<status>` when the answer carried none (a proxy page). */
export type ApiErrorCode = ErrorCode | `HTTP_${number}`;

export function apiErrorCode(status: number, code: unknown): ApiErrorCode {
  return typeof code === "string" && Object.hasOwn(errorCodes, code) ? (code as ErrorCode) : `HTTP_${status}`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: ValidationIssue[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Turns whatever was thrown into one line a person can read (never HTML). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const first = error.details[0];
    return first ? `${error.message}: ${first.loc.join(".")} ${first.msg}` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
