// The UI's error values: every failed REST call becomes an ApiError carrying the server's stable
// `PB_ERR_*` code, so views branch on codes rather than on message text.
import type { ErrorDetail } from "@pulseboard/client/rest";

export type { ErrorDetail };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
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
