// The REST calls of instance administration (users and teams, docs/API.md "Administration") and
// of a dashboard's teams and access list (owners), spread into `api` by http.ts.
import type { CreateUserBody, PatchUserBody, Role } from "@pulseboard/protocol/rest";
import { restRoutes as routes } from "@pulseboard/protocol/rest-routes";
import type { Call } from "./request.ts";

export function adminApi(call: Call) {
  return {
    users: () => call(routes.listUsers),
    createUser: (body: CreateUserBody) => call(routes.createUser, { body }),
    patchUser: (id: number, body: PatchUserBody) => call(routes.patchUser, { params: { id }, body }),
    deleteUser: (id: number) => call(routes.deleteUser, { params: { id } }),
    /** Without a password the server generates one and answers it once. */
    resetPassword: (id: number) => call(routes.resetPassword, { params: { id }, body: {} }),
    teams: () => call(routes.listTeams),
    createTeam: (name: string) => call(routes.createTeam, { body: { name } }),
    deleteTeam: (id: number) => call(routes.deleteTeam, { params: { id } }),
    addTeamMember: (id: number, username: string) =>
      call(routes.addTeamMember, { params: { id }, body: { username } }),
    removeTeamMember: (id: number, userId: number) =>
      call(routes.removeTeamMember, { params: { id, userId } }),
    dashboardTeams: (dashboardId: number) => call(routes.listDashboardTeams, { params: { id: dashboardId } }),
    putDashboardTeam: (dashboardId: number, teamId: number, role: Role) =>
      call(routes.putDashboardTeam, { params: { id: dashboardId }, body: { team_id: teamId, role } }),
    removeDashboardTeam: (dashboardId: number, teamId: number) =>
      call(routes.removeDashboardTeam, { params: { id: dashboardId, teamId } }),
    dashboardAccess: (dashboardId: number) => call(routes.dashboardAccess, { params: { id: dashboardId } }),
  };
}
