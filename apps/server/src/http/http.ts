// Owns the REST plumbing shared by every resource: Zod parsing into our error shape, id
// parameters, the authenticated principal of a request and the CSRF rule.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { checkCsrf, type Principal } from "../auth/credentials.ts";
import { requireRole } from "../dashboards/access.ts";
import type { Db, Role } from "../db/schema.ts";
import { NotFoundError, UnauthorizedError, ValidationError } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function parse<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where: "body" | "query" | "params",
): z.infer<S> {
  const result = schema.safeParse(data ?? (where === "body" ? undefined : {}));
  if (!result.success) throw ValidationError.fromZod(result.error, [where]);
  return result.data;
}

/** `:id`-style path parameters: anything but a positive integer names no object (404). */
export function idParam(request: FastifyRequest, name = "id", what = "Object"): number {
  const raw = (request.params as Record<string, string | undefined>)[name] ?? "";
  if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw new NotFoundError(`${what} not found`);
  return Number(raw);
}

/** The caller, or 401. State-changing calls made with the session cookie must pass CSRF. */
export function requireUser(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (!principal) throw new UnauthorizedError();
  const header = request.headers["x-csrf-token"];
  checkCsrf(principal, request.method, Array.isArray(header) ? header[0] : header);
  return principal;
}

/**
 * For `/dashboards/:id/…` routes: the caller (401 without one, CSRF checked) holding at least
 * `minimum` on the dashboard of the path (404 for a dashboard it cannot see, 403 for a lower role).
 */
export async function dashboardAccess(db: Db, request: FastifyRequest, minimum: Role) {
  const { userId } = requireUser(request);
  const dashboardId = idParam(request, "id", "Dashboard");
  const role = await requireRole(db, userId, dashboardId, minimum);
  return { userId, dashboardId, role };
}

export function noContent(reply: FastifyReply) {
  return reply.status(204).send();
}

/** History and export bounds: from 1970 to a year ahead at most (a typo'd year is not a query). */
const LATEST_MS = 366 * 86_400_000;

/**
 * `?from=&to=` as epoch milliseconds, refused with a clear 400 when `from` is after `to` or either
 * lies before 1970 or more than a year ahead.
 */
export function queryRange(q: { from?: string | undefined; to?: string | undefined }) {
  const range = { from: isoToMs(q.from), to: isoToMs(q.to) };
  const details = [];
  const latest = Date.now() + LATEST_MS;
  for (const key of ["from", "to"] as const) {
    const at = range[key];
    if (at !== undefined && (at < 0 || at > latest))
      details.push({
        type: "out_of_range",
        loc: ["query", key],
        msg: `${key} must lie between 1970-01-01 and one year from now`,
      });
  }
  if (range.from !== undefined && range.to !== undefined && range.from > range.to)
    details.push({ type: "invalid_range", loc: ["query", "from"], msg: "from must not be after to" });
  if (details.length) throw new ValidationError(details, "Invalid time range");
  return range;
}

/** ISO-8601 instant in a query string, as epoch milliseconds. */
export function isoToMs(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
}
