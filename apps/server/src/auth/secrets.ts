// Owns the random secrets we hand out (session ids, CSRF tokens, API tokens) and how they are
// hashed at rest. They are 32 random bytes, so a plain sha256 is enough (no brute force).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function randomSecret(prefix = ""): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
