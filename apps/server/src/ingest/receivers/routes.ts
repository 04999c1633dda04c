// Owns the receivers' HTTP side: where each protocol is spoken, how its senders authenticate
// (API tokens, in the header form each client uses), which dashboard a request writes to, body
// decoding (gzip, snappy) with a bound on the decoded size, and the answers each sender expects.
//   POST /api/v1/write      Prometheus remote_write 1.0 (protobuf + snappy)      → 204
//   POST /api/v2/write      InfluxDB 2 line protocol (`bucket` = dashboard)       → 204
//   POST /write             InfluxDB 1 line protocol (`db` = dashboard)           → 204
//   POST /v1/metrics        OTLP/HTTP metrics, protobuf or JSON                   → 200
//   GET  /ping              Influx clients' liveness check                         → 204
// Every route takes `?dashboard=<id or slug>`. Answered only once the samples are committed.

import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { findToken } from "../../auth/tokens.ts";
import type { AppContext } from "../../context.ts";
import { requireRole } from "../../dashboards/access.ts";
import { findDashboard } from "../../dashboards/store.ts";
import {
  BadRequestError,
  ChannelsError,
  fromFrameworkError,
  NotFoundError,
  TooLargeError,
  UnauthorizedError,
} from "../../http/errors.ts";
import { route } from "../../http/route.ts";
import { parseLineProtocol, parsePrecision } from "./line-protocol.ts";
import { decodeOtlpJson, decodeOtlpProtobuf, EMPTY_PROTOBUF_RESPONSE, otlpToSamples } from "./otlp.ts";
import { decodeWriteRequest, MetadataCache, unsnappy } from "./remote-write.ts";
import { type Protocol, type Sample, storeSamples } from "./samples.ts";

const gunzipAsync = promisify(gunzip);

declare module "fastify" {
  interface FastifyContextConfig {
    protocol?: Protocol;
  }
}

/**
 * The API token of a receiver request: `Authorization: Bearer` (Prometheus, OTLP), `Token`
 * (Influx clients, Telegraf, Grafana), or Basic with the token as password (Influx 1 clients,
 * Prometheus `basic_auth`). Session cookies are not accepted here: these are programs.
 */
async function authenticateSender(ctx: AppContext, request: FastifyRequest): Promise<number> {
  const header = request.headers.authorization ?? "";
  let token = /^(?:Bearer|Token)\s+(\S+)$/i.exec(header)?.[1];
  const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
  if (!token && basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    token = decoded.slice(decoded.indexOf(":") + 1) || undefined;
  }
  if (!token)
    throw new UnauthorizedError(
      "An API token is required: Authorization: Bearer <token> (or Token <token> for Influx clients)",
    );
  const found = await findToken(ctx.db, token);
  if (!found) throw new UnauthorizedError("Invalid API token");
  return found.userId;
}

/**
 * The dashboard the request writes to, checked for the editor role before anything is decoded,
 * so a non-member learns nothing (not even whether its body would have been valid): 404.
 */
async function targetDashboard(
  ctx: AppContext,
  request: FastifyRequest,
  userId: number,
  ...params: string[]
): Promise<number> {
  const query = request.query as Record<string, string | undefined>;
  const name = ["dashboard", ...params].map((p) => query[p]).find((v) => v !== undefined && v !== "");
  if (name === undefined)
    throw new BadRequestError(
      `Name the dashboard to write to: ?${["dashboard", ...params].join("= or ?")}=<dashboard id or slug>`,
    );
  const dashboard = await findDashboard(ctx.db, name);
  if (!dashboard) throw new NotFoundError("Dashboard not found");
  await requireRole(ctx.db, userId, dashboard.id, "editor");
  return dashboard.id;
}

/** The raw body, gunzipped when the sender compressed it, never larger than maxDecodedBytes. */
async function decodedBody(
  ctx: AppContext,
  request: FastifyRequest,
  allowSnappy: boolean,
): Promise<Buffer | Uint8Array> {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
  const max = ctx.config.maxDecodedBytes;
  if (encoding === "gzip") {
    try {
      return await gunzipAsync(body, { maxOutputLength: max });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
        throw new TooLargeError(`Decompressed body is larger than ${max} bytes`);
      throw new BadRequestError(`Body is not valid gzip: ${(error as Error).message}`);
    }
  }
  if (encoding === "snappy" && allowSnappy) return unsnappy(body, max);
  if (encoding === "identity" || encoding === "") {
    if (body.length > max) throw new TooLargeError(`Body is larger than ${max} bytes`);
    return body;
  }
  throw new BadRequestError(`Unsupported Content-Encoding "${encoding}"`);
}

async function store(
  ctx: AppContext,
  protocol: Protocol,
  userId: number,
  dashboardId: number,
  samples: Sample[],
): Promise<void> {
  const result = await storeSamples(ctx, userId, dashboardId, samples);
  const t = ctx.telemetry;
  t.ingestBatches.inc({ protocol });
  if (result.stored > 0) t.ingestPoints.inc({ protocol }, result.stored);
  if (result.stale > 0) t.staleMarkers.inc({ protocol }, result.stale);
}

const INFLUX_CODES: Record<number, string> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not found",
  413: "request too large",
};

function errorAnswer(ctx: AppContext, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = fromFrameworkError(error);
  const protocol = request.routeOptions.config.protocol;
  if (protocol) ctx.telemetry.ingestRefused.inc({ protocol });
  if (e.status >= 500) request.log.error({ err: error }, "receiver request failed");
  const body: Record<string, unknown> = { error: e.toJSON() };
  // Influx clients and Telegraf log `message` (and `line`) of an Influx-style error body.
  if (protocol === "influx") {
    body.code = INFLUX_CODES[e.status] ?? (e.status >= 500 ? "internal error" : "invalid");
    const first = e instanceof ChannelsError ? e.details?.[0] : undefined;
    body.message = first ? `${e.message}: ${first.msg}` : e.message;
    const line = first?.loc[0] === "body" && first.loc[1] === "line" ? first.loc[2] : undefined;
    if (typeof line === "number") body.line = line;
  }
  return reply.status(e.status).send(body);
}

export async function registerReceivers(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const metadata = new MetadataCache();
  const maxSamples = ctx.config.maxSamplesPerRequest;

  await app.register(async (scope) => {
    // These bodies are binary or plain text in the sender's format, whatever it labels them.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error, request, reply) => errorAnswer(ctx, error, request, reply));

    const remoteWrite = async (request: FastifyRequest, reply: FastifyReply) => {
      const userId = await authenticateSender(ctx, request);
      const dashboardId = await targetDashboard(ctx, request, userId);
      const encoding = request.headers["content-encoding"];
      if (encoding !== undefined && encoding !== "snappy")
        throw new BadRequestError(
          `remote_write bodies are snappy-compressed; got Content-Encoding "${encoding}"`,
        );
      const decoded = decodeWriteRequest(await decodedBody(ctx, request, true), maxSamples);
      metadata.remember(decoded.metadata);
      metadata.apply(decoded.samples);
      await store(ctx, "remote_write", userId, dashboardId, decoded.samples);
      return reply.status(204).send();
    };
    route(scope, restRoutes.remoteWrite, remoteWrite, {
      config: { protocol: "remote_write" },
      validate: false,
    });

    const influx = (dashboardParam: string) => async (request: FastifyRequest, reply: FastifyReply) => {
      const userId = await authenticateSender(ctx, request);
      const dashboardId = await targetDashboard(ctx, request, userId, dashboardParam);
      const raw = (request.query as Record<string, string | undefined>).precision;
      const precision = parsePrecision(raw);
      if (!precision) throw new BadRequestError(`Unknown precision "${raw}": use ns, us, ms or s`);
      const text = Buffer.from(await decodedBody(ctx, request, false)).toString("utf8");
      const { samples } = parseLineProtocol(text, precision, maxSamples);
      await store(ctx, "influx", userId, dashboardId, samples);
      return reply.status(204).send();
    };
    route(scope, restRoutes.influxWrite, influx("bucket"), {
      config: { protocol: "influx" },
      validate: false,
    });
    // Influx clients and Telegraf check that the server is up with /ping before writing.
    scope.get("/ping", async (_request, reply) =>
      reply.status(204).header("x-influxdb-version", "pulseboard").send(),
    );
    scope.post("/write", { config: { protocol: "influx" } }, influx("db"));

    scope.post("/v1/metrics", { config: { protocol: "otlp" } }, async (request, reply) => {
      const userId = await authenticateSender(ctx, request);
      const dashboardId = await targetDashboard(ctx, request, userId);
      const type = String(request.headers["content-type"] ?? "")
        .split(";")[0]
        ?.trim()
        .toLowerCase();
      const body = await decodedBody(ctx, request, false);
      let json: boolean;
      if (type === "application/x-protobuf" || type === "application/protobuf") json = false;
      else if (type === "application/json") json = true;
      else
        throw new BadRequestError(
          `OTLP/HTTP bodies are application/x-protobuf or application/json; got "${type}"`,
        );
      const decoded = json ? decodeOtlpJson(Buffer.from(body).toString("utf8")) : decodeOtlpProtobuf(body);
      await store(ctx, "otlp", userId, dashboardId, otlpToSamples(decoded, maxSamples));
      return json
        ? reply.status(200).type("application/json").send("{}")
        : reply.status(200).type("application/x-protobuf").send(Buffer.from(EMPTY_PROTOBUF_RESPONSE));
    });
  });
}
