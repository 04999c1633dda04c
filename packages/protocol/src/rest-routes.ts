// The REST route table: every route of the HTTP API under /api (method, path, params, query, body
// and answer, in Zod), declared once. The server registers each route from its entry (Fastify
// validates body and query and serializes the answer with the entry's schemas; handlers take the
// validated parts after authentication, so the error order stays 401 → 404 → 400), /openapi.json
// is generated from it, the UI's REST client infers its types from it, and a spec checks
// docs/API.md against it. Depends on nothing but Zod and the contract (browser-safe).
import type { z } from "zod";
import type { PathParams, RestRoute } from "./rest-route.ts";
import { accountRoutes } from "./rest-routes-account.ts";
import { adminRoutes } from "./rest-routes-admin.ts";
import { alertingRoutes } from "./rest-routes-alerting.ts";
import { dashboardRoutes } from "./rest-routes-dashboards.ts";

export type { HttpMethod, RestRoute, RouteAuth } from "./rest-route.ts";

export const restRoutes = {
  ...accountRoutes,
  ...dashboardRoutes,
  ...alertingRoutes,
  ...adminRoutes,
} as const satisfies Record<string, RestRoute>;

type HasParams<R extends RestRoute> = [PathParams<R["path"]>] extends [never] ? false : true;
/** What a caller passes: path parameters, the query (defaults are the server's) and the body. */
export type RouteInput<R extends RestRoute> = (HasParams<R> extends true
  ? { params: Record<PathParams<R["path"]>, string | number> }
  : { params?: never }) &
  (R extends { query: infer Q extends z.ZodType } ? { query?: Partial<z.input<Q>> } : { query?: never }) &
  (R extends { body: infer B extends z.ZodType } ? { body: z.input<B> } : { body?: never });
/** What the route answers on success (`undefined` for 204 and answers that are not JSON). */
export type RouteAnswer<R extends RestRoute> = R extends { response: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/** The route's URL for these parameters and query (undefined query values are left out). */
export function routeUrl(
  r: RestRoute,
  params: Record<string, string | number> = {},
  query: Record<string, unknown> = {},
): string {
  const path = r.path.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${r.method} ${r.path}: no value for :${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
