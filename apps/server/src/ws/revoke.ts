// Owns taking live access away: permissions are checked at the handshake, so when a member is
// removed or a dashboard deleted, the connections already open must be closed too. The event goes
// through the dashboard group (every node of a cluster) and is never forwarded to a client; each
// connection it concerns closes with 4003 (no longer a member) or 4004 (no such dashboard).
import { message } from "@pulseboard/channels";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { dashboardGroup } from "../fanout.ts";

export const accessRevoked = message(
  z.object({
    /** The user whose connections close; null: every connection to the dashboard. */
    user_id: z.number().int().nullable(),
    code: z.union([z.literal(4003), z.literal(4004)]),
    reason: z.string(),
  }),
  { internal: true, description: "Closes the connections that lost access (never sent to clients)." },
);
export type AccessRevoked = z.infer<typeof accessRevoked>;

/** After a committed change: closes the affected live connections, on every node. */
export async function revokeAccess(
  ctx: AppContext,
  dashboardId: number,
  event: AccessRevoked,
): Promise<void> {
  try {
    await ctx.channels.groupSend(dashboardGroup(dashboardId), "access_revoked", event);
  } catch (err) {
    // Stored either way; the connections lose access at their next handshake.
    ctx.log.error({ err, dashboardId }, "closing connections that lost access failed");
  }
}

export const memberRemoved = (userId: number): AccessRevoked => ({
  user_id: userId,
  code: 4003,
  reason: "Your access to this dashboard was removed",
});

export const dashboardDeleted: AccessRevoked = {
  user_id: null,
  code: 4004,
  reason: "This dashboard was deleted",
};
