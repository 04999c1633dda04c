// Errors the SDK reports, as classes with stable `code` strings; `errorForClose` is the one place
// that maps WebSocket close codes and authentication answers onto them.
import type { ErrorCode } from "@pulseboard/channels/error-codes";
import { closeCodes, type ServerPayloads } from "./protocol.ts";

/** `code` is a `PB_ERR_CLIENT_*` row of the one error table (@pulseboard/channels/error-codes). */
export class PulseboardClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server refused the credentials, the membership or the dashboard: reconnecting cannot help. */
export class ClientAuthError extends PulseboardClientError {
  constructor(
    readonly status: 401 | 403 | 404,
    readonly closeCode: number | undefined,
    detail: string,
  ) {
    super(
      status === 401
        ? "PB_ERR_CLIENT_UNAUTHENTICATED"
        : status === 403
          ? "PB_ERR_CLIENT_FORBIDDEN"
          : "PB_ERR_CLIENT_NOT_FOUND",
      detail,
    );
  }
}

/** A frame from the server that is not JSON or does not match the protocol; it was ignored. */
export class ClientProtocolError extends PulseboardClientError {
  constructor(
    message: string,
    readonly frame: string,
  ) {
    super("PB_ERR_CLIENT_PROTOCOL", message);
  }
}

/** The offline send queue is at `queueLimit`; the message was not queued. */
export class ClientQueueFullError extends PulseboardClientError {
  constructor(limit: number) {
    super("PB_ERR_CLIENT_QUEUE_FULL", `send queue is full (${limit} messages) while offline`);
  }
}

/** `send` after `close()` or after a terminal auth failure. */
export class ClientClosedError extends PulseboardClientError {
  constructor() {
    super("PB_ERR_CLIENT_CLOSED", "client is closed");
  }
}

/** The message does not match the protocol schema; it was not sent. */
export class ClientInvalidMessageError extends PulseboardClientError {
  constructor(message: string) {
    super("PB_ERR_CLIENT_INVALID_MESSAGE", message);
  }
}

/** No WebSocket constructor: Node 20 has none built in, pass `WebSocket` from `ws`. */
export class ClientNoWebSocketError extends PulseboardClientError {
  constructor() {
    super(
      "PB_ERR_CLIENT_NO_WEBSOCKET",
      "no WebSocket implementation: pass createClient({ WebSocket }) (in Node: import { WebSocket } from 'ws')",
    );
  }
}

const statusByClose: Record<number, 401 | 403 | 404> = {
  [closeCodes.unauthenticated]: 401,
  [closeCodes.forbidden]: 403,
  [closeCodes.notFound]: 404,
};

/** The terminal error for a close code (4001/4003/4004) or a failed `authentication`, else undefined. */
export function errorForClose(
  closeCode: number | undefined,
  auth: ServerPayloads["authentication"] | undefined,
  closeReason?: string,
): ClientAuthError | undefined {
  const fromAuth = auth?.status_code;
  const status =
    fromAuth === 401 || fromAuth === 403 || fromAuth === 404
      ? fromAuth
      : closeCode === undefined
        ? undefined
        : statusByClose[closeCode];
  if (status === undefined) return undefined;
  // A close after the handshake (e.g. access removed, dashboard deleted) says why in its reason.
  const detail = auth?.data.detail || closeReason || `connection refused (close code ${closeCode})`;
  return new ClientAuthError(status, closeCode, detail);
}
