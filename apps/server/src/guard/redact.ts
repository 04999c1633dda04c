// Owns keeping secrets out of request logs: a `?token=` (accepted on WebSocket URLs, where
// browsers cannot set headers, and sometimes tried on REST) is logged as `[redacted]`.
import type { FastifyRequest } from "fastify";

const SECRET_PARAMS = /([?&](?:token|access_token|password)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, "$1[redacted]");
}

/** Fastify's default `req` log serializer, with the URL redacted. */
export function requestSerializer(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
