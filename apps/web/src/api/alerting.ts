// The REST calls of alert states and notifications (docs/API.md "Alert notifications"), spread
// into `api` by http.ts; kept apart so the core client file stays the core's.
import type {
  AlertRuleState,
  ContactPoint,
  CreateContactPointBody,
  CreateSilenceBody,
  Delivery,
  PatchContactPointBody,
  Silence,
  TestAnswer,
} from "@pulseboard/client/rest";
import type { Request } from "./request.ts";

export function alertingApi(request: Request) {
  return {
    alertStates: (dashboardId: number) =>
      request<AlertRuleState[]>("GET", `/dashboards/${dashboardId}/alert-states`),
    contactPoints: (dashboardId: number) =>
      request<ContactPoint[]>("GET", `/dashboards/${dashboardId}/contact-points`),
    createContactPoint: (dashboardId: number, body: CreateContactPointBody) =>
      request<ContactPoint>("POST", `/dashboards/${dashboardId}/contact-points`, body),
    patchContactPoint: (id: number, body: PatchContactPointBody) =>
      request<ContactPoint>("PATCH", `/contact-points/${id}`, body),
    deleteContactPoint: (id: number) => request<void>("DELETE", `/contact-points/${id}`),
    testContactPoint: (id: number) => request<TestAnswer>("POST", `/contact-points/${id}/test`),
    deliveries: (id: number) => request<Delivery[]>("GET", `/contact-points/${id}/deliveries?limit=20`),
    silences: (dashboardId: number) => request<Silence[]>("GET", `/dashboards/${dashboardId}/silences`),
    createSilence: (dashboardId: number, body: CreateSilenceBody) =>
      request<Silence>("POST", `/dashboards/${dashboardId}/silences`, body),
    deleteSilence: (id: number) => request<void>("DELETE", `/silences/${id}`),
  };
}
