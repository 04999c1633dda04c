// Owns what a password must be, in one place for every way one is set (CLI create-user, REST
// password change, the UI through REST, and admin user management): at least `minLength`
// characters (NIST SP 800-63B: length over composition rules), at most 1024 (hashing stays
// cheap), not one of the ~49,000 most common passwords (the list of @zxcvbn-ts/language-common),
// not the user name, not one character repeated. The caller decides how a refusal is shown.
import { dictionary } from "@zxcvbn-ts/language-common";

export const DEFAULT_MIN_LENGTH = 10;
export const MAX_LENGTH = 1024;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary["passwords-common"] as string[]).map((p) => p.toLowerCase()));
  return common;
}

export type PasswordRules = { username?: string; minLength?: number };

/** The problems with `password`, as sentences for people; empty when it is acceptable. */
export function passwordProblems(password: string, rules: PasswordRules = {}): string[] {
  const minLength = rules.minLength ?? DEFAULT_MIN_LENGTH;
  const length = [...password].length;
  const problems: string[] = [];
  if (length < minLength) problems.push(`must be at least ${minLength} characters long`);
  if (length > MAX_LENGTH) problems.push(`must be at most ${MAX_LENGTH} characters long`);
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) problems.push("is one of the most common passwords");
  if (rules.username && lower === rules.username.toLowerCase()) problems.push("must not be the user name");
  if (length > 0 && new Set(password).size === 1) problems.push("must not be one character repeated");
  return problems;
}

/** Problems joined into one sentence, e.g. for a CLI error. */
export function describeProblems(problems: string[]): string {
  return `The password ${problems.join(", and ")}.`;
}
