// Owns GET /api/v1/health: whether this node can reach its storage and (in a cluster) its
// channel layer right now. 200 when everything answers, 503 naming what is down, so a load
// balancer or an operator sees the failing dependency without reading the logs.
// Also the two probes of an orchestrator: /api/v1/live (the process answers: restart it if not;
// never depends on storage, so an outage does not restart every node) and /api/v1/ready (this
// node should get traffic: storage and layer up and not draining for a shutdown).

import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { ping } from "../db/ping.ts";
import { route } from "./route.ts";

export type HealthDeps = {
  /** Channel layer state: "ready" | "degraded"; undefined for the in-process layer. */
  layerStatus?: () => string;
};

type Check = { status: "ok" | "down" | "in-process"; error?: string };

async function checkDatabase(ctx: AppContext): Promise<Check> {
  try {
    await ping(ctx.db);
    return { status: "ok" };
  } catch (err) {
    return { status: "down", error: (err as Error).message || String(err) };
  }
}

export function healthRoutes(deps: HealthDeps = {}) {
  return (app: FastifyInstance, ctx: AppContext) => {
    route(app, restRoutes.live, async () => ({ status: "ok" }));
    route(app, restRoutes.ready, async (_request, reply) => {
      if (ctx.lifecycle.draining) return reply.status(503).send({ status: "draining" });
      const database = await checkDatabase(ctx);
      const layer = deps.layerStatus?.();
      const reasons = [
        ...(database.status === "ok" ? [] : [`database: ${database.error}`]),
        ...(layer === undefined || layer === "ready" ? [] : [`channel layer: ${layer}`]),
      ];
      if (reasons.length > 0) return reply.status(503).send({ status: "not ready", reasons });
      return { status: "ready" };
    });
    route(app, restRoutes.health, async (_request, reply) => {
      const database = await checkDatabase(ctx);
      const layer = deps.layerStatus?.();
      const channels: Check =
        layer === undefined
          ? { status: "in-process" }
          : layer === "ready"
            ? { status: "ok" }
            : {
                status: "down",
                error: `Redis channel layer is ${layer}: updates reach this node's clients only`,
              };
      const ok = database.status === "ok" && channels.status !== "down";
      return reply
        .status(ok ? 200 : 503)
        .send({ status: ok ? "ok" : "degraded", storage: ctx.kind, checks: { database, channels } });
    });
  };
}
