// Owns the shape of the one REST call function: a leaf module, so that http.ts (which makes it) and
// the endpoint groups it spreads into `api` (alerting.ts) share it without a cycle. Its input and
// answer types are inferred from the route's entry in the REST route table.
import type { RestRoute, RouteAnswer, RouteInput } from "@pulseboard/protocol/rest-routes";

/** A route without path parameters or body may be called without input. */
type InputArgs<R extends RestRoute> =
  object extends RouteInput<R> ? [input?: RouteInput<R>] : [input: RouteInput<R>];

export type Call = <R extends RestRoute>(route: R, ...input: InputArgs<R>) => Promise<RouteAnswer<R>>;
