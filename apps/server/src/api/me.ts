// Owns /me/preferences (theme).

import type { Preferences } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { setPreferences } from "../model/users.ts";
import { requireUser } from "./http.ts";
import { input, route } from "./route.ts";

export function registerMe(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.setPreferences, async (request): Promise<Preferences> => {
    const principal = requireUser(request);
    const { theme } = input(request, restRoutes.setPreferences, "body");
    return setPreferences(ctx.db, principal.userId, theme);
  });
}
