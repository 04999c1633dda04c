// Owns the shape of the one REST request function: a leaf module, so that http.ts (which makes
// it) and the endpoint groups it spreads into `api` (alerting.ts) share it without a cycle.
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type Request = <T>(method: Method, path: string, body?: unknown) => Promise<T>;
