// Owns POST /ingest: answers `{accepted}` only once the batch is committed, then fans it out.
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { requireUser } from "../http/http.ts";
import { route } from "../http/route.ts";
import { fanOut, ingest } from "./ingest.ts";

export function registerIngest(app: FastifyInstance, ctx: AppContext) {
  route(
    app,
    restRoutes.ingest,
    async (request, reply) => {
      const { userId } = requireUser(request);
      const points = await ingest(ctx, userId, request.body).catch((error) => {
        ctx.telemetry.ingestRefused.inc({ protocol: "json" });
        throw error;
      });
      ctx.telemetry.ingestBatches.inc({ protocol: "json" });
      ctx.telemetry.ingestPoints.inc({ protocol: "json" }, points.length);
      await reply.send({ accepted: points.length });
      // Stored is what matters to the caller; a fan-out failure (e.g. Redis down) is logged only.
      fanOut(ctx, points).catch((error) =>
        ctx.log.error({ err: error }, "fan-out of ingested points failed"),
      );
      return reply;
    },
    // Not validated by Fastify: parseIngestBody checks a plain batch by hand, faster than Zod.
    { validate: false },
  );
}
