// Owns /dashboards: list (only the caller's), create (caller becomes owner), read, rename, delete.

import type { Dashboard, DashboardSummary } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { recordAudit } from "../audit/index.ts";
import type { AppContext } from "../context.ts";
import type { Role } from "../db/schema.ts";
import { NotFoundError } from "../errors.ts";
import { highest } from "../model/access.ts";
import { createDashboard, dashboardJson, listMetrics, metricJson } from "../model/dashboards.ts";
import { setTags, tagsOf } from "../model/tags.ts";
import { announceConfig } from "../ws/config.ts";
import { dashboardDeleted, revokeDashboard } from "../ws/revoke.ts";
import { dashboardAccess, noContent, requireUser } from "./http.ts";
import { input, route } from "./route.ts";

export function registerDashboards(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx;

  async function load(id: number) {
    const d = await db.selectFrom("dashboards").selectAll().where("id", "=", id).executeTakeFirst();
    if (!d) throw new NotFoundError("Dashboard not found");
    return d;
  }

  route(app, restRoutes.listDashboards, async (request): Promise<DashboardSummary[]> => {
    const { userId } = requireUser(request);
    // Dashboards of the caller's own memberships and of their teams', each once at its highest role.
    const direct = db
      .selectFrom("dashboard_members")
      .select(["dashboard_id", "role"])
      .where("user_id", "=", userId);
    const viaTeams = db
      .selectFrom("dashboard_teams")
      .innerJoin("team_members", "team_members.team_id", "dashboard_teams.team_id")
      .select(["dashboard_teams.dashboard_id", "dashboard_teams.role"])
      .where("team_members.user_id", "=", userId);
    const grants = await direct.unionAll(viaTeams).execute();
    const roles = new Map<number, Role[]>();
    for (const g of grants) roles.set(g.dashboard_id, [...(roles.get(g.dashboard_id) ?? []), g.role]);
    if (roles.size === 0) return [];
    const rows = await db
      .selectFrom("dashboards")
      .selectAll()
      .where("id", "in", [...roles.keys()])
      .orderBy("id")
      .execute();
    const tags = await tagsOf(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      ...dashboardJson(r, highest(roles.get(r.id) ?? []) ?? "viewer"),
      tags: tags.get(r.id) ?? [],
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
    if (fields.name !== undefined || fields.description !== undefined)
      await db.updateTable("dashboards").set(fields).where("id", "=", id).execute();
    if (tags !== undefined) await setTags(db, id, tags);
    await announceConfig(ctx, id);
    return { ...dashboardJson(await load(id), role), tags: (await tagsOf(db, [id])).get(id) ?? [] };
  });

  route(app, restRoutes.deleteDashboard, async (request, reply) => {
    const { dashboardId: id, userId } = await dashboardAccess(db, request, "owner");
    const gone = await db.selectFrom("dashboards").select("name").where("id", "=", id).executeTakeFirst();
    await db.deleteFrom("dashboards").where("id", "=", id).execute();
    await recordAudit(ctx, {
      action: "dashboard.deleted",
      actorUserId: userId,
      dashboardId: id,
      address: request.ip,
      detail: { name: gone?.name ?? null },
    });
    await revokeDashboard(ctx, id, dashboardDeleted);
    return noContent(reply);
  });
}
