// The REST calls of instance administration (users and teams, docs/API.md "Administration"),
// spread into `api` by http.ts beside the alerting ones.
import type { CreateUserBody, PatchUserBody } from "@pulseboard/client/rest";
import { restRoutes as routes } from "@pulseboard/client/rest-routes";
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
  };
}
