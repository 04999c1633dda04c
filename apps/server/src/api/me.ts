// Owns /me/preferences (theme).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { setPreferences } from "../model/users.ts";
import { parse, requireUser } from "./http.ts";

const preferencesBody = z.object({ theme: z.enum(["dark", "light"]) }).strict();

export function registerMe(app: FastifyInstance, ctx: AppContext) {
  app.patch("/api/v1/me/preferences", async (request) => {
    const principal = requireUser(request);
    const { theme } = parse(preferencesBody, request.body, "body");
    return setPreferences(ctx.db, principal.userId, theme);
  });
}
