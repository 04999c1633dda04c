// Owns who may open a socket at all, per node: per client address, how many upgrades may be in
// their handshake at once and how fast new ones may start (refused with HTTP 429 and Retry-After
// before the upgrade, so a flood costs a few bytes each); and per user, how many connections may
// be open (refused in the handshake: `authentication` 429, close 4029). Every limit is off at 0.
//
// Address buckets are dropped once refilled (an idle address costs nothing), so a flood from
// many addresses cannot grow the maps beyond the addresses active within one refill period.
import type { IncomingMessage } from "node:http";
import { TokenBucket } from "./limits.ts";

export type AdmissionOptions = {
  /** Upgrades from one address still in their handshake; over → HTTP 429. */
  maxPendingPerAddress: number;
  /** New upgrades per address (token bucket: burst `handshakes`, refilled over `perMs`); over → HTTP 429. */
  handshakeRate: { handshakes: number; perMs: number } | false;
  /** Open connections per user key; over → the handshake is refused with 429 / 4029. */
  maxConnectionsPerUser: number;
  userKey: ((user: unknown) => string | number | undefined) | undefined;
  addressOf: (req: IncomingMessage) => string;
};

export type Refusal = { retryAfterS: number; reason: string };

export class Admission {
  readonly #pending = new Map<string, number>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #users = new Map<string | number, number>();

  constructor(readonly options: AdmissionOptions) {}

  /** Before an upgrade: null when admitted (call the returned `leave` once its handshake settles). */
  enter(address: string): Refusal | null {
    const { maxPendingPerAddress, handshakeRate } = this.options;
    const pending = this.#pending.get(address) ?? 0;
    if (maxPendingPerAddress > 0 && pending >= maxPendingPerAddress)
      return { retryAfterS: 1, reason: "Too many handshakes in progress from this address" };
    if (handshakeRate) {
      let bucket = this.#buckets.get(address);
      if (!bucket) {
        bucket = new TokenBucket(handshakeRate.handshakes, handshakeRate.perMs);
        this.#buckets.set(address, bucket);
      }
      if (!bucket.take())
        return {
          retryAfterS: Math.max(1, Math.ceil(bucket.waitMs / 1000)),
          reason: "Too many new connections from this address",
        };
    }
    this.#pending.set(address, pending + 1);
    return null;
  }

  leave(address: string): void {
    const left = (this.#pending.get(address) ?? 1) - 1;
    if (left <= 0) this.#pending.delete(address);
    else this.#pending.set(address, left);
  }

  /** After authentication: the user's key when admitted (release it on close), false when over. */
  admitUser(user: unknown): { key: string | number | undefined } | false {
    const key = this.options.userKey?.(user);
    const max = this.options.maxConnectionsPerUser;
    if (key === undefined || max <= 0) return { key: undefined };
    const open = this.#users.get(key) ?? 0;
    if (open >= max) return false;
    this.#users.set(key, open + 1);
    return { key };
  }

  releaseUser(key: string | number | undefined): void {
    if (key === undefined) return;
    const left = (this.#users.get(key) ?? 1) - 1;
    if (left <= 0) this.#users.delete(key);
    else this.#users.set(key, left);
  }

  /** Periodic housekeeping: forget the buckets of addresses that went quiet. */
  sweep(): void {
    for (const [address, bucket] of this.#buckets) if (bucket.full) this.#buckets.delete(address);
  }
}

/** The TCP peer (what a proxy-less server can trust). */
export const peerAddress = (req: IncomingMessage): string => req.socket.remoteAddress ?? "unknown";
