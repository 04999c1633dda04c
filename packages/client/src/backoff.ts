// Reconnect delays: exponential backoff with (configurable) full jitter, so that many clients
// dropped by the same server restart do not all come back in the same instant.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0 = no jitter (exact exponential), 1 = full jitter (uniform in [0, cap]). */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 1 };

/** Delay before reconnect attempt number `attempt` (0 for the first retry). */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.max(0, attempt));
  const jitter = Math.min(1, Math.max(0, opts.jitter));
  return Math.round(cap * (1 - jitter * random()));
}
