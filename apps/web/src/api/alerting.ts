// The REST calls of alert states and notifications (docs/API.md "Alert notifications"), spread
// into `api` by http.ts; kept apart so the core client file stays the core's.
import type {
  CreateContactPointBody,
  CreateSilenceBody,
  PatchContactPointBody,
} from "@pulseboard/protocol/rest";
import { restRoutes as routes } from "@pulseboard/protocol/rest-routes";
import type { Call } from "./request.ts";

export function alertingApi(call: Call) {
  return {
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
