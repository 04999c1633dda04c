// Owns /dashboards: list (only the caller's), create (caller becomes owner), read, rename, delete.

import type { Dashboard, DashboardSummary } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { recordAudit } from "../audit/index.ts";
import type { AppContext } from "../context.ts";
import { NotFoundError } from "../http/errors.ts";
import { dashboardAccess, noContent, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { announceConfig } from "../ws/config.ts";
import { dashboardDeleted, revokeDashboard } from "../ws/revoke.ts";
import {
  createDashboard,
  dashboardJson,
  dashboardsOf,
  deleteDashboard,
  findDashboard,
  listMetrics,
  metricJson,
  updateDashboard,
} from "./store.ts";
import { setTags, tagsOf } from "./tags.ts";

export function registerDashboards(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  async function load(id: number) {
    const d = await findDashboard(db, id);
    if (!d) throw new NotFoundError("Dashboard not found");
    return d;
  }

  route(app, restRoutes.listDashboards, async (request): Promise<DashboardSummary[]> => {
    const { userId } = requireUser(request);
    const mine = await dashboardsOf(db, userId);
    const tags = await tagsOf(
      db,
      mine.map(({ dashboard }) => dashboard.id),
    );
    return mine.map(({ dashboard, role }) => ({
      ...dashboardJson(dashboard, role),
      tags: tags.get(dashboard.id) ?? [],
    }));
  });

  route(app, restRoutes.createDashboard, async (request, reply) => {
    const { userId } = requireUser(request);
    const body = input(request, restRoutes.createDashboard, "body");
    const d = await createDashboard(db, body, userId);
    return reply.status(201).send(dashboardJson(d, "owner"));
  });

  route(app, restRoutes.getDashboard, async (request): Promise<Dashboard> => {
    const { dashboardId: id, role } = await dashboardAccess(db, request, "viewer");
    const d = await load(id);
    return {
      ...dashboardJson(d, role),
      tags: (await tagsOf(db, [id])).get(id) ?? [],
      metrics: (await listMetrics(db, id)).map(metricJson),
    };
  });

  route(app, restRoutes.patchDashboard, async (request): Promise<DashboardSummary> => {
    const { dashboardId: id, role } = await dashboardAccess(db, request, "owner");
    const body = input(request, restRoutes.patchDashboard, "body");
    const { tags, ...fields } = body;
    if (fields.name !== undefined || fields.description !== undefined) await updateDashboard(db, id, fields);
    if (tags !== undefined) await setTags(db, id, tags);
    await announceConfig(ctx, id);
    return { ...dashboardJson(await load(id), role), tags: (await tagsOf(db, [id])).get(id) ?? [] };
  });

  route(app, restRoutes.deleteDashboard, async (request, reply) => {
    const { dashboardId: id, userId } = await dashboardAccess(db, request, "owner");
    const gone = await deleteDashboard(db, id);
    await recordAudit(ctx, {
      action: "dashboard.deleted",
      actorUserId: userId,
      dashboardId: id,
      address: request.ip,
      detail: { name: gone },
    });
    await revokeDashboard(ctx, id, dashboardDeleted);
    return noContent(reply);
  });
}
