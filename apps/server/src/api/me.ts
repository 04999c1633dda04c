// Owns /me/preferences (theme).
import { type Preferences, preferencesBody } from "@pulseboard/client/rest";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { setPreferences } from "../model/users.ts";
import { parse, requireUser } from "./http.ts";

export function registerMe(app: FastifyInstance, ctx: AppContext) {
  app.patch("/api/v1/me/preferences", async (request): Promise<Preferences> => {
    const principal = requireUser(request);
    const { theme } = parse(preferencesBody, request.body, "body");
    return setPreferences(ctx.db, principal.userId, theme);
  });
}
