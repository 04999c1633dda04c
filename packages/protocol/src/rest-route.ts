// The shape of one entry of the REST route table (rest-routes.ts) and the helper that declares it:
// a leaf module, so that the table's section files and the table share it without a cycle.
import type { ErrorCode } from "@pulseboard/channels/error-codes";
import { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** Who may call: anyone ("public"), or a signed-in caller (session cookie + CSRF, or bearer token). */
export type RouteAuth = "public" | "user";

export interface RestRoute {
  readonly method: HttpMethod;
  readonly path: `/${string}`;
  readonly summary: string;
  /** the docs/API.md section, as the OpenAPI tag */
  readonly tag: string;
  readonly auth: RouteAuth;
  /** the status of success; 204 and 302 carry no JSON body */
  readonly status: 200 | 201 | 204 | 302;
  /** path parameters; every `:name` of the path (a positive integer unless declared otherwise) */
  readonly params: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** media types of a body that is not JSON (the receivers of other agents' protocols) */
  readonly consumes?: readonly string[];
  /** the JSON answer of `status`; absent when there is none or it is not JSON (see `produces`) */
  readonly response?: z.ZodType;
  /** media types of an answer that is not JSON (CSV export, HTML pages) */
  readonly produces?: readonly string[];
  /** error codes this route answers beyond those every route of its kind can (OpenAPI responses) */
  readonly errors?: readonly ErrorCode[];
}

/** The `:name` parameters of a path, as a union of names. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

const ID = /^[1-9][0-9]{0,14}$/;
const idText = z.string().regex(ID).meta({ description: "a positive integer id" });

type Declared = Omit<RestRoute, "params"> & { params?: z.ZodObject };

export function route<const R extends Declared>(declared: R): R & { params: z.ZodObject } {
  const names = [...declared.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
  const params = declared.params ?? z.object(Object.fromEntries(names.map((n) => [n, idText])));
  return { ...declared, params };
}

export const list = <S extends z.ZodType>(item: S) => z.array(item);
export const V1 = "/api/v1";
