// The wire protocol's built-in messages as Zod schemas: the envelope every frame shares, and the
// three messages the framework itself sends (authentication, error, complete). Declared once here
// so the router, the test client and the AsyncAPI generator all read the same definitions.
import { z } from "zod";

/** Every frame, both directions: `{"action": "<name>", "payload": <any>}`. */
export const Envelope = z.object({ action: z.string().min(1), payload: z.unknown().optional() });
export type Envelope = z.infer<typeof Envelope>;

/** Status of the handshake, sent once right after the upgrade is accepted. */
export const AuthenticationPayload = z.object({
  status_code: z.union([z.literal(200), z.literal(401), z.literal(403), z.literal(404), z.literal(429)]),
  status_text: z.string(),
  data: z.object({ detail: z.string() }),
});
export type AuthenticationPayload = z.infer<typeof AuthenticationPayload>;

/** One validation problem: `loc` starts with "payload" and follows the Zod issue path. */
export const ValidationIssue = z.object({
  type: z.string(),
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

export const DetailPayload = z.object({ detail: z.string() });
export type DetailPayload = z.infer<typeof DetailPayload>;

/** Validation errors carry a list of issues; everything else a human `detail`. */
export const ErrorPayload = z.union([z.array(ValidationIssue), DetailPayload]);
export type ErrorPayload = z.infer<typeof ErrorPayload>;

export const CompletePayload = z.null();

/**
 * A draining node asks its clients to move: open a new connection (the proxy sends it to another
 * node), then close this one. Connections still open after `within_ms` are closed (1012).
 */
export const DrainingPayload = z.object({ within_ms: z.number().int().nonnegative() });
export type DrainingPayload = z.infer<typeof DrainingPayload>;

/** The framework's own server → client messages, by action (for typing and AsyncAPI). */
export const protocolMessages = {
  authentication: AuthenticationPayload,
  error: ErrorPayload,
  complete: CompletePayload,
  draining: DrainingPayload,
} as const;

/** WebSocket close codes the framework uses (4xxx mirror the HTTP statuses). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** The node restarts (a deploy): reconnect at once, to another node. */
  serviceRestart: 1012,
  messageTooBig: 1009,
  internalError: 1011,
  unauthenticated: 4001,
  forbidden: 4003,
  notFound: 4004,
  slowConsumer: 4008,
  rateLimited: 4029,
} as const;
