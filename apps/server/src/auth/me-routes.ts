// Owns /me/preferences (theme).

import type { Preferences } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { setPreferences } from "./users.ts";

export function registerMe(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.setPreferences, async (request): Promise<Preferences> => {
    const principal = requireUser(request);
    const { theme } = input(request, restRoutes.setPreferences, "body");
    return setPreferences(ctx.db, principal.userId, theme);
  });
}
