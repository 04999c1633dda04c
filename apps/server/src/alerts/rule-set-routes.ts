// Owns the REST routes of selector rule sets as a whole (docs/API.md "Alerts"): list a dashboard's
// sets (members), change every rule of a set or delete them all (editors). A set lives on its rules
// (selector-rules.ts), so changing them all also changes the template later series copy.
import type { AlertRuleSet } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import { NotFoundError } from "../http/errors.ts";
import { dashboardAccess, idParam, noContent } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { alreadyHas, changeRule, removeRule } from "./rule-changes.ts";
import type { AlertRule, PatchRuleBody } from "./schema.ts";
import { type RuleSet, ruleSetsOf, settingsOf } from "./selector-rules.ts";
import type { AlertService } from "./service.ts";
import type { AlertDb } from "./store.ts";

function publicSet(set: RuleSet): AlertRuleSet {
  return {
    id: set.id,
    selector: set.selector,
    ...settingsOf(set.rules[0]!),
    rule_ids: set.rules.map((r) => r.id),
    series: set.rules.length,
  };
}

export function registerRuleSetRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  db: AlertDb,
  service: AlertService,
) {
  /** The set of the path on the dashboard of the path: 404 for an unknown id or another dashboard's set. */
  async function setFor(request: FastifyRequest) {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "editor");
    const setId = idParam(request, "setId", "Alert rule set");
    const set = (await ruleSetsOf(ctx.db, dashboardId)).find((s) => s.id === setId);
    if (!set) throw new NotFoundError("Alert rule set not found");
    return { dashboardId, set };
  }
  const sameSet = async (dashboardId: number, selector: string) =>
    (await ruleSetsOf(ctx.db, dashboardId)).find((s) => s.selector === selector);
  /**
   * `apply` to every rule of the set that is `due`, then to those of the set read again: a series
   * created meanwhile may have copied the set's template before the change (or the delete).
   */
  async function everyRule(
    dashboardId: number,
    set: RuleSet,
    apply: (rule: AlertRule) => Promise<unknown>,
    due: (rule: AlertRule) => boolean = () => true,
  ): Promise<void> {
    for (const rule of set.rules) if (due(rule)) await apply(rule);
    for (const rule of (await sameSet(dashboardId, set.selector))?.rules ?? [])
      if (due(rule)) await apply(rule);
  }

  route(app, restRoutes.listAlertRuleSets, async (request) => {
    const { dashboardId } = await dashboardAccess(ctx.db, request, "viewer");
    return (await ruleSetsOf(ctx.db, dashboardId)).map(publicSet);
  });

  route(app, restRoutes.patchAlertRuleSet, async (request) => {
    const { dashboardId, set } = await setFor(request);
    const body: PatchRuleBody = input(request, restRoutes.patchAlertRuleSet, "body");
    await everyRule(
      dashboardId,
      set,
      (rule) => changeRule(db, service, rule, body),
      (rule) => !alreadyHas(rule, body),
    );
    const result = await sameSet(dashboardId, set.selector);
    if (!result) throw new NotFoundError("Alert rule set not found");
    return publicSet(result);
  });

  route(app, restRoutes.deleteAlertRuleSet, async (request, reply) => {
    const { dashboardId, set } = await setFor(request);
    await everyRule(dashboardId, set, (rule) => removeRule(db, service, rule));
    return noContent(reply);
  });
}
