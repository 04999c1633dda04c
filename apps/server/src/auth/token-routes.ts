// Owns /tokens: a user's API tokens (plain value shown once, hashed at rest).

import type { ApiToken, CreateTokenAnswer } from "@pulseboard/protocol/rest";
import { restRoutes } from "@pulseboard/protocol/rest-routes";
import type { FastifyInstance } from "fastify";
import { recordAudit } from "../audit/index.ts";
import type { AppContext } from "../context.ts";
import { NotFoundError } from "../http/errors.ts";
import { idParam, noContent, requireUser } from "../http/http.ts";
import { input, route } from "../http/route.ts";
import { revokeAccess, tokenGroup, tokenRevoked } from "../ws/revoke.ts";
import { createApiToken, deleteToken, tokensOf } from "./tokens.ts";

const iso = (ms: number) => new Date(ms).toISOString();

export function registerTokens(app: FastifyInstance, ctx: AppContext) {
  route(app, restRoutes.listTokens, async (request): Promise<ApiToken[]> => {
    const { userId } = requireUser(request);
    return (await tokensOf(ctx.db, userId)).map((r) => ({
      id: r.id,
      name: r.name,
      created_at: iso(r.created_at),
      last_used_at: r.last_used_at === null ? null : iso(r.last_used_at),
    }));
  });

  route(app, restRoutes.createToken, async (request, reply) => {
    const { userId } = requireUser(request);
    const { name } = input(request, restRoutes.createToken, "body");
    const answer: CreateTokenAnswer = await createApiToken(ctx.db, userId, name);
    await recordAudit(ctx, {
      action: "token.created",
      actorUserId: userId,
      address: request.ip,
      detail: { token_id: answer.id, name },
    });
    return reply.status(201).send(answer);
  });

  route(app, restRoutes.deleteToken, async (request, reply) => {
    const { userId } = requireUser(request);
    const id = idParam(request, "id", "Token");
    if (!(await deleteToken(ctx.db, userId, id))) throw new NotFoundError("Token not found");
    await revokeAccess(ctx, tokenGroup(id), tokenRevoked);
    await recordAudit(ctx, {
      action: "token.revoked",
      actorUserId: userId,
      address: request.ip,
      detail: { token_id: id },
    });
    return noContent(reply);
  });
}
