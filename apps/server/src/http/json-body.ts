// Owns parsing REST JSON bodies: malformed JSON is a 400, and strings carrying NUL characters
// are refused here, once, because PostgreSQL cannot store them (and no name needs one).
// secure-json-parse (Fastify's own parser) refuses `__proto__` keys and `constructor.prototype`
// at any depth, so no body can reach a merge or spread that would poison a prototype.
import sjson from "secure-json-parse";
import { BadRequestError, ValidationError, type ValidationIssue } from "./errors.ts";

const POISON = { protoAction: "error", constructorAction: "error" } as const;
const POISON_MESSAGE = "Object contains forbidden prototype property";

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

/** JSON text of a request (any receiver): malformed or poisoned text is a 400 PB_ERR_BAD_REQUEST. */
export function parseRequestJson(text: string, malformed = "Malformed JSON body"): unknown {
  try {
    return sjson.parse(text, undefined, POISON);
  } catch (error) {
    const message = (error as Error).message;
    if (message === POISON_MESSAGE)
      throw new BadRequestError(
        'JSON body refused: "__proto__" keys and "constructor": {"prototype": …} are not accepted',
      );
    throw new BadRequestError(`${malformed}: ${message}`);
  }
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  const value = parseRequestJson(text);
  // Escaped NULs only appear as \u0000 in the text: skip the walk for the common case.
  if (text.includes("\\u0000")) {
    const problems: ValidationIssue[] = [];
    findNul(value, [], problems);
    if (problems.length) throw new ValidationError(problems);
  }
  return value;
}
