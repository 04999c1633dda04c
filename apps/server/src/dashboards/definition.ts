// Owns dashboards as code: `GET /dashboards/:id/definition` exports what a dashboard is (name,
// tags, metrics, panels, alert rules; never data, never secrets) with metrics named instead of
// numbered, and `PUT /definitions` applies one: the slug is the identity, so applying the same file
// twice changes nothing the second time, and a new slug creates the dashboard (the caller owns it).
// Metrics missing from a definition are left alone (their data is never deleted by an apply).

import {
  type ApplyAnswer,
  type DashboardDefinition,
  DEFINITION_SCHEMA,
  dashboardDefinition,
} from "@pulseboard/protocol/definition";
import type { Widget } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { alertServiceOf } from "../alerts/index.ts";
import { alertDb, deleteRule, insertRule, listRules, updateRule } from "../alerts/store.ts";
import type { AppContext } from "../context.ts";
import { BadRequestError, ConflictError, NotFoundError, ValidationError } from "../http/errors.ts";
import { dashboardAccess, parse, requireUser } from "../http/http.ts";
import { route } from "../http/route.ts";
import { createMetric, updateMetric } from "../metrics/store.ts";
import { announceConfig } from "../ws/config.ts";
import { requireRole } from "./access.ts";
import { saveWidgets, storedWidgets } from "./layouts.ts";
import { createDashboard, dashboardBySlug, findDashboard, listMetrics, updateDashboard } from "./store.ts";
import { setTags, tagsOf } from "./tags.ts";

export async function exportDefinition(ctx: AppContext, dashboardId: number): Promise<DashboardDefinition> {
  const { db } = ctx;
  const d = await findDashboard(db, dashboardId);
  if (!d) throw new NotFoundError("Dashboard not found");
  const metrics = await listMetrics(db, dashboardId);
  const nameOf = new Map(metrics.map((m) => [m.id, m.name]));
  const panels = (await storedWidgets(db, dashboardId)).map(({ metric_id, ...w }) => {
    const metric = metric_id === undefined ? undefined : nameOf.get(metric_id);
    return metric === undefined ? w : { ...w, metric };
  });
  const rules = await listRules(alertDb(db), dashboardId);
  return {
    schema: DEFINITION_SCHEMA,
    dashboard: {
      slug: d.slug,
      name: d.name,
      description: d.description,
      tags: (await tagsOf(db, [dashboardId])).get(dashboardId) ?? [],
    },
    metrics: metrics.map((m) => ({ name: m.name, type: m.type, unit: m.unit, description: m.description })),
    panels,
    alert_rules: rules.flatMap((r) => {
      const metric = nameOf.get(r.metric_id);
      return metric === undefined
        ? []
        : [
            {
              metric,
              condition: r.condition,
              threshold: r.threshold,
              duration_s: r.duration_s,
              hysteresis: r.hysteresis,
              no_data_s: r.no_data_s,
              enabled: r.enabled,
              ...(r.selector ? { selector: r.selector } : {}),
            },
          ];
    }),
    // Contact points belong to the alerting module; their definitions (without secrets) join here.
    contact_points: [],
  };
}

/** Checks that every metric a panel or rule names is defined or already on the dashboard. */
function checkNames(def: DashboardDefinition, known: Set<string>) {
  const bad = [
    ...def.panels.flatMap((p, i) =>
      p.metric !== undefined && !known.has(p.metric)
        ? [{ type: "not_found", loc: ["body", "panels", i, "metric"], msg: `no metric "${p.metric}"` }]
        : [],
    ),
    ...def.alert_rules.flatMap((r, i) =>
      known.has(r.metric)
        ? []
        : [{ type: "not_found", loc: ["body", "alert_rules", i, "metric"], msg: `no metric "${r.metric}"` }],
    ),
  ];
  const seen = new Set<string>();
  def.metrics.forEach((m, i) => {
    if (seen.has(m.name))
      bad.push({ type: "duplicate", loc: ["body", "metrics", i, "name"], msg: `metric "${m.name}" twice` });
    seen.add(m.name);
  });
  if (bad.length) throw new ValidationError(bad, "The definition does not hold together");
}

export async function applyDefinition(ctx: AppContext, userId: number, input: unknown): Promise<ApplyAnswer> {
  const { db } = ctx;
  const def = parse(dashboardDefinition, input, "body");
  const answer: ApplyAnswer = {
    dashboard_id: 0,
    slug: def.dashboard.slug,
    created: false,
    metrics_created: 0,
    metrics_updated: 0,
    rules_created: 0,
    rules_deleted: 0,
    rules_updated: 0,
    layout_changed: false,
    dashboard_changed: false,
  };

  let dashboard = await dashboardBySlug(db, def.dashboard.slug);
  const existing = dashboard ? await listMetrics(db, dashboard.id) : [];
  const byName = new Map(existing.map((m) => [m.name, m]));
  // Types are facts about the stored points: a definition cannot turn a gauge into a counter.
  const clash = def.metrics.flatMap((m, i) => {
    const had = byName.get(m.name);
    return had && had.type !== m.type
      ? [{ type: "conflict", loc: ["body", "metrics", i, "type"], msg: `"${m.name}" is a ${had.type} here` }]
      : [];
  });
  if (clash.length) throw new ValidationError(clash, "A metric's type cannot change");
  checkNames(def, new Set([...byName.keys(), ...def.metrics.map((m) => m.name)]));

  if (dashboard) {
    try {
      await requireRole(db, userId, dashboard.id, "owner");
    } catch {
      // Slugs are unique on the instance; someone else's dashboard is not yours to overwrite.
      throw new ConflictError(`Slug "${def.dashboard.slug}" is used by a dashboard you do not own`);
    }
    const { name, description } = def.dashboard;
    if (dashboard.name !== name || dashboard.description !== description) {
      await updateDashboard(db, dashboard.id, { name, description });
      answer.dashboard_changed = true;
    }
  } else {
    dashboard = await createDashboard(
      db,
      { name: def.dashboard.name, slug: def.dashboard.slug, description: def.dashboard.description },
      userId,
    );
    answer.created = true;
  }
  const id = dashboard.id;
  answer.dashboard_id = id;
  if (await setTags(db, id, def.dashboard.tags)) answer.dashboard_changed = true;

  for (const m of def.metrics) {
    const had = byName.get(m.name);
    if (!had) {
      byName.set(m.name, await createMetric(db, id, m));
      answer.metrics_created++;
    } else if (had.unit !== m.unit || had.description !== m.description) {
      await updateMetric(db, had.id, { unit: m.unit, description: m.description });
      answer.metrics_updated++;
    }
  }
  const idOf = (name: string) => (byName.get(name) as { id: number }).id;

  const widgets: Widget[] = def.panels.map(({ metric, ...p }) =>
    metric === undefined ? p : { ...p, metric_id: idOf(metric) },
  );
  if (JSON.stringify(widgets) !== JSON.stringify(await storedWidgets(db, id))) {
    await saveWidgets(db, id, widgets);
    answer.layout_changed = true;
  }

  // Rules are matched by what they say (metric, condition, threshold, hold, hysteresis, the selector
  // set they belong to): a match
  // is kept (its enabled flag follows the file), the rest of the stored rules go, the rest of the
  // file's rules are created. Firing state of kept rules survives an apply.
  const adb = alertDb(db);
  const service = alertServiceOf(ctx);
  const key = (r: {
    metric_id: number;
    condition: string;
    threshold: number;
    duration_s: number;
    hysteresis: number;
    selector?: string | undefined;
  }) =>
    JSON.stringify([r.metric_id, r.condition, r.threshold, r.duration_s, r.hysteresis, r.selector ?? null]);
  const stored = await listRules(adb, id);
  const unmatched = new Map<string, typeof stored>();
  for (const r of stored) unmatched.set(key(r), [...(unmatched.get(key(r)) ?? []), r]);
  for (const r of def.alert_rules) {
    const wanted = { ...r, metric_id: idOf(r.metric) };
    const match = unmatched.get(key(wanted))?.shift();
    if (match) {
      if (match.enabled !== wanted.enabled) {
        await updateRule(adb, match.id, { enabled: wanted.enabled });
        service?.ruleChanged(match.metric_id, match.id);
        answer.rules_updated++;
      }
      continue;
    }
    const { metric: _name, ...body } = wanted;
    const created = await insertRule(adb, id, body);
    service?.ruleChanged(created.metric_id, created.id);
    answer.rules_created++;
  }
  for (const left of unmatched.values())
    for (const r of left) {
      await deleteRule(adb, r.id);
      service?.ruleChanged(r.metric_id, r.id);
      answer.rules_deleted++;
    }

  if (answer.created || answer.dashboard_changed || answer.metrics_created || answer.metrics_updated)
    await announceConfig(ctx, id);
  return answer;
}

export function registerDefinitions(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.getDefinition, async (request, reply) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    const def = await exportDefinition(ctx, dashboardId);
    reply.header("content-disposition", `attachment; filename="${def.dashboard.slug}.dashboard.json"`);
    return def;
  });

  route(
    app,
    restRoutes.applyDefinition,
    async (request) => {
      const { userId } = requireUser(request);
      const schema = (request.body as { schema?: unknown } | null)?.schema;
      if (typeof schema === "string" && schema !== DEFINITION_SCHEMA)
        throw new BadRequestError(
          `Unknown definition schema "${schema}" (this server reads ${DEFINITION_SCHEMA})`,
        );
      return applyDefinition(ctx, userId, request.body);
    },
    // Not validated by Fastify: an unknown `schema` version is refused before the definition is read.
    { validate: false },
  );
}
