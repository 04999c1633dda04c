// Owns registering the routes of the REST route table (@pulseboard/protocol/rest-routes) on Fastify.
// The method and path come from the table entry; Fastify validates the entry's body and query and
// serializes the answer through the entry's answer schema (only the declared fields leave the
// server). Path parameters stay with idParam(): a malformed id names no object (404), as for
// objects the caller cannot see.
//
// Validation is attached, not answered: Fastify validates before the preHandler hook that
// authenticates, so answering there would tell a stranger 400 where they must get 401 or 404. The
// handler asks for the validated part with input() once it has checked who asks and what they may
// see; a failure is then answered by the same parse() as always, so the 400 details are unchanged.
// The Zod validator and serializer (fastify-type-provider-zod) are set on the app (app.ts).
import type { RestRoute, RouteAnswer } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from "fastify";
import type { z } from "zod";
import { parse } from "./http.ts";

export type RouteHandler<R extends RestRoute> = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<RouteAnswer<R> | FastifyReply>;

type RouteOptions = Pick<RouteShorthandOptions, "config"> & {
  /** false: the handler parses body and query itself (a hand-written fast path, another protocol) */
  validate?: boolean;
};

export function route<R extends RestRoute>(
  app: FastifyInstance,
  entry: R,
  handler: RouteHandler<R>,
  { validate = true, ...options }: RouteOptions = {},
): void {
  const json = entry.response !== undefined && entry.produces === undefined;
  const schema = {
    ...(validate && entry.body ? { body: entry.body } : {}),
    ...(validate && entry.query ? { querystring: entry.query } : {}),
    ...(json ? { response: { [entry.status]: entry.response } } : {}),
  };
  app.route({
    method: entry.method,
    url: entry.path,
    ...options,
    schema,
    attachValidation: true,
    handler,
  });
}

type Part = "body" | "query";
type PartOf<R extends RestRoute, P extends Part> = R[P] extends z.ZodType ? z.output<R[P]> : never;

/**
 * The request's body or query as the entry's schema gives it (defaults applied, strings trimmed),
 * or the 400 of parse(). Call it after authentication and access checks.
 */
export function input<R extends RestRoute, P extends Part>(
  request: FastifyRequest,
  entry: R,
  part: P,
): PartOf<R, P> {
  const schema = entry[part] as z.ZodType;
  const validated = request.routeOptions.schema?.[part === "query" ? "querystring" : "body"] !== undefined;
  // On a failure Fastify stops at the first part that fails: parse the asked part afresh.
  if (!validated || request.validationError) return parse(schema, request[part], part) as PartOf<R, P>;
  return request[part] as PartOf<R, P>;
}
