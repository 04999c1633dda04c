// The handshake pipeline: builds the request view authenticators see (cookies, query, bearer
// token, path params), then runs authenticators → loadObject → permissions, turning every
// refusal into a HandshakeError (401 / 404 / 403, in that order of checks).
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { parseCookie } from "cookie";
import type { ConsumerDefinition, HandshakeRequest, LiveRequest, Schemas } from "./consumer.ts";
import { AuthResult } from "./consumer.ts";
import { ForbiddenError, handshakeError, NotFoundError, UnauthorizedError } from "./errors.ts";

/**
 * The `cookie` package (the one Express and @fastify/cookie use) reads the header: the first of
 * two same-named cookies wins (browsers send the most specific first), values are URL-decoded when
 * they can be, and the object has no prototype, so a cookie named `__proto__` is only a name.
 */
function parseCookies(header: string | undefined): Record<string, string> {
  return (header ? parseCookie(header) : Object.create(null)) as Record<string, string>;
}

export function buildHandshakeRequest(
  raw: IncomingMessage,
  url: URL,
  params: Record<string, string>,
): HandshakeRequest {
  const auth = raw.headers.authorization;
  const bearer = auth && /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
  return {
    raw,
    url,
    headers: raw.headers,
    cookies: parseCookies(raw.headers.cookie),
    query: url.searchParams,
    params,
    token: bearer || url.searchParams.get("token") || null,
    origin: typeof raw.headers.origin === "string" ? raw.headers.origin : null,
  };
}

/**
 * What a live connection keeps of its upgrade request: the URL as text, parsed again only if a
 * hook asks for it (an idle connection holds no URL / URLSearchParams objects).
 */
class KeptRequest implements LiveRequest {
  readonly #href: string;
  #url: URL | undefined;
  readonly headers: LiveRequest["headers"];
  readonly cookies: Record<string, string>;
  readonly params: Record<string, string>;
  readonly token: string | null;
  readonly origin: string | null;

  constructor(request: HandshakeRequest, keptHeaders: readonly string[] | undefined) {
    this.#href = request.url.href;
    this.headers = keptHeaders ? pick(request.headers, keptHeaders) : request.headers;
    // The cookies are the Cookie header's: kept with it.
    this.cookies = !keptHeaders || keptHeaders.includes("cookie") ? request.cookies : NO_COOKIES;
    this.params = request.params;
    // The token is a credential from the Authorization header (or ?token=): kept with that header.
    this.token = !keptHeaders || keptHeaders.includes("authorization") ? request.token : null;
    this.origin = request.origin;
  }

  get url(): URL {
    this.#url ??= new URL(this.#href);
    return this.#url;
  }

  get query(): URLSearchParams {
    return this.url.searchParams;
  }
}

export function liveRequest(request: HandshakeRequest, keptHeaders?: readonly string[]): LiveRequest {
  return new KeptRequest(request, keptHeaders);
}

const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});
const NO_COOKIES: Record<string, string> = Object.freeze({});

function pick(headers: IncomingHttpHeaders, names: readonly string[]): IncomingHttpHeaders {
  let out: IncomingHttpHeaders | undefined;
  for (const name of names) {
    const value = headers[name];
    if (value === undefined) continue;
    out ??= {};
    out[name] = value;
  }
  return out ?? NO_HEADERS;
}

type AnyDefinition = ConsumerDefinition<string, unknown, unknown, unknown, Schemas, Schemas, Schemas>;

/** Resolves `{user, object}` or throws a HandshakeError (or an unexpected error to be logged). */
export async function runHandshake(
  definition: AnyDefinition,
  request: HandshakeRequest,
): Promise<{ user: unknown; object: unknown }> {
  let user: unknown = null;
  const authenticators = definition.authenticators ?? [];
  if (authenticators.length > 0) {
    for (const authenticate of authenticators) {
      const result = await authenticate(request);
      if (AuthResult.isDenial(result)) throw handshakeError(result.status, result.detail);
      if (result !== null && result !== undefined) {
        user = result;
        break;
      }
    }
    if (user === null)
      throw new UnauthorizedError("Authentication credentials were not provided or are invalid");
  }
  let object: unknown = null;
  if (definition.loadObject) {
    object = await definition.loadObject({ user, params: request.params, request });
    if (object === null || object === undefined) throw new NotFoundError("Not found");
  }
  for (const permission of definition.permissions ?? []) {
    const verdict = await permission({ user, object, params: request.params, request });
    if (verdict === true) continue;
    if (verdict === false) throw new ForbiddenError("You do not have permission to perform this action");
    if (typeof verdict === "object" && verdict !== null && verdict.ok === false) {
      throw handshakeError(verdict.status, verdict.detail);
    }
    throw new ForbiddenError("You do not have permission to perform this action");
  }
  return { user, object };
}
