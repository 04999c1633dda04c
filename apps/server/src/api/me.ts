// Owns /me/preferences (theme).

import { type Preferences, preferencesBody } from "@pulseboard/client/rest";
import { restRoutes } from "@pulseboard/client/rest-routes";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { setPreferences } from "../model/users.ts";
import { parse, requireUser } from "./http.ts";
import { route } from "./route.ts";

export function registerMe(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.setPreferences, async (request): Promise<Preferences> => {
    const principal = requireUser(request);
    const { theme } = parse(preferencesBody, request.body, "body");
    return setPreferences(ctx.db, principal.userId, theme);
  });
}
