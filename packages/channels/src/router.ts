// Routing: which consumer a URL path belongs to (with its params), and which handler a client
// frame belongs to (parse → envelope → action → validated payload). Pure functions, no I/O.

import type { z } from "zod";
import { BadFrameError, BadJsonError, UnknownActionError, ValidationError } from "./errors.ts";

/** Message schemas by action; declared here so that routing needs nothing of consumer.ts. */
export type Schemas = Record<string, z.ZodType>;

export type PathMatcher = (pathname: string) => Record<string, string> | null;

/** Compiles `/ws/dashboard/:id/` into a matcher; trailing slash optional, params URI-decoded. */
export function compilePath(path: string): PathMatcher {
  const names: string[] = [];
  const body = path
    .replace(/\/+$/, "")
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1));
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  const re = new RegExp(`^${body}/?$`);
  return (pathname) => {
    const m = re.exec(pathname);
    if (!m) return null;
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      try {
        params[names[i]!] = decodeURIComponent(m[i + 1]!);
      } catch {
        return null; // malformed %-escape: treat as no match
      }
    }
    return params;
  };
}

/** A client frame routed to its action, payload validated. Throws a ChannelsError otherwise. */
export function routeFrame(text: string, incoming: Schemas): { action: string; payload: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadJsonError();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new BadFrameError();
  const { action, payload } = parsed as { action?: unknown; payload?: unknown };
  if (typeof action !== "string" || action === "") {
    throw new BadFrameError('A frame needs a non-empty string "action"');
  }
  // Own-property lookup so "__proto__" / "constructor" are unknown actions, not prototype hits.
  const schema = Object.hasOwn(incoming, action) ? incoming[action] : undefined;
  if (!schema) throw new UnknownActionError(action);
  const result = schema.safeParse(payload);
  if (!result.success) throw ValidationError.fromZod(result.error);
  return { action, payload: result.data };
}
