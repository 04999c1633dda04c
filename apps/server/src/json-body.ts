// Owns parsing REST JSON bodies: malformed JSON is a 400, and strings carrying NUL characters
// are refused here, once, because PostgreSQL cannot store them (and no name needs one).
import { BadRequestError, ValidationError, type ValidationIssue } from "./errors.ts";

function findNul(value: unknown, path: Array<string | number>, out: ValidationIssue[]) {
  if (out.length >= 20) return;
  if (typeof value === "string") {
    if (value.includes("\u0000"))
      out.push({ type: "invalid_string", loc: ["body", ...path], msg: "NUL characters are not allowed" });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) findNul(v, [...path, i], out);
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("\u0000"))
        out.push({ type: "invalid_key", loc: ["body", ...path], msg: "NUL characters are not allowed" });
      findNul(v, [...path, k], out);
    }
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`Malformed JSON body: ${(error as Error).message}`);
  }
  // Escaped NULs only appear as \u0000 in the text: skip the walk for the common case.
  if (text.includes("\\u0000")) {
    const problems: ValidationIssue[] = [];
    findNul(value, [], problems);
    if (problems.length) throw new ValidationError(problems);
  }
  return value;
}
