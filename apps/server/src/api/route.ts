// Owns registering the routes of the REST route table (@pulseboard/client/rest-routes) on Fastify:
// the method and path come from the table entry, and the entry's answer schema becomes the route's
// response schema, which Fastify serializes through (fastify-type-provider-zod's Zod serializer:
// only the declared fields leave the server). Params, query and body are parsed by the handler
// with the entry's schemas (parse() in http.ts), after authentication and access checks, so a
// stranger's malformed request is still 401/404 and never tells them what a valid one looks like.
import type { RestRoute, RouteAnswer } from "@pulseboard/client/rest-routes";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from "fastify";

export type RouteHandler<R extends RestRoute> = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<RouteAnswer<R> | FastifyReply>;

export function route<R extends RestRoute>(
  app: FastifyInstance,
  entry: R,
  handler: RouteHandler<R>,
  options: Pick<RouteShorthandOptions, "config"> = {},
): void {
  const json = entry.response !== undefined && entry.produces === undefined;
  app.route({
    method: entry.method,
    url: entry.path,
    ...options,
    ...(json ? { schema: { response: { [entry.status]: entry.response } } } : {}),
    handler,
  });
}
