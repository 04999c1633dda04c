// The REST calls of selector rule sets, alert states and notifications (docs/API.md "Labeled
// series" and "Alert notifications"), spread into `api` by http.ts; kept apart so the core client
// file stays the core's.
import type {
  CreateContactPointBody,
  CreateSilenceBody,
  PatchAlertRuleBody,
  PatchContactPointBody,
} from "@pulseboard/protocol/rest";
import { type RouteInput, restRoutes as routes } from "@pulseboard/protocol/rest-routes";
import type { Call } from "./request.ts";

export function alertingApi(call: Call) {
  return {
    alertRuleSets: (dashboardId: number) => call(routes.listAlertRuleSets, { params: { id: dashboardId } }),
    createSelectorRules: (
      dashboardId: number,
      body: RouteInput<typeof routes.createSelectorAlertRules>["body"],
    ) => call(routes.createSelectorAlertRules, { params: { id: dashboardId }, body }),
    patchAlertRuleSet: (dashboardId: number, setId: number, body: PatchAlertRuleBody) =>
      call(routes.patchAlertRuleSet, { params: { id: dashboardId, setId }, body }),
    deleteAlertRuleSet: (dashboardId: number, setId: number) =>
      call(routes.deleteAlertRuleSet, { params: { id: dashboardId, setId } }),
    alertStates: (dashboardId: number) => call(routes.alertStates, { params: { id: dashboardId } }),
    contactPoints: (dashboardId: number) => call(routes.listContactPoints, { params: { id: dashboardId } }),
    createContactPoint: (dashboardId: number, body: CreateContactPointBody) =>
      call(routes.createContactPoint, { params: { id: dashboardId }, body }),
    patchContactPoint: (id: number, body: PatchContactPointBody) =>
      call(routes.patchContactPoint, { params: { id }, body }),
    deleteContactPoint: (id: number) => call(routes.deleteContactPoint, { params: { id } }),
    testContactPoint: (id: number) => call(routes.testContactPoint, { params: { id } }),
    deliveries: (id: number) => call(routes.listDeliveries, { params: { id }, query: { limit: 20 } }),
    silences: (dashboardId: number) => call(routes.listSilences, { params: { id: dashboardId } }),
    createSilence: (dashboardId: number, body: CreateSilenceBody) =>
      call(routes.createSilence, { params: { id: dashboardId }, body }),
    deleteSilence: (id: number) => call(routes.deleteSilence, { params: { id } }),
  };
}
