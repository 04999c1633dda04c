// Owns taking live access away: permissions and credentials are checked at the handshake, so when
// a member is removed, a dashboard deleted, an API token revoked or a session signed out, the
// connections already open must be closed too. The event goes through a group (every node of a
// cluster) and is never forwarded to a client; each connection it concerns closes with 4003 (no
// longer a member), 4004 (no such dashboard) or 4001 (its credentials are gone).
//
// Groups: "dashboard.<id>" (every connection to it) and one per credential a connection opened
// with, "credential.token.<id>" or "credential.session.<hash>".
import type { Principal } from "../auth/credentials.ts";
import type { AppContext } from "../context.ts";
import { type AccessRevoked, dashboardContract } from "./dashboard-contract.ts";
import { dashboardGroup } from "./fanout.ts";

export type { AccessRevoked };

/**
 * Every node listens here for revoked credentials (handshake-cache.ts forgets them), whether or not
 * it has a connection in the credential's group; payload `{ group }`, the credential's group.
 */
export const CREDENTIALS_GROUP = "pulseboard.credentials";
export const CREDENTIAL_REVOKED = "credential_revoked" satisfies keyof typeof dashboardContract.events;

export const tokenGroup = (tokenId: number) => `credential.token.${tokenId}`;
export const sessionGroup = (idHash: string) => `credential.session.${idHash}`;

/** The group of the connections opened with this principal's credential. */
export function credentialGroup(principal: Principal): string | undefined {
  if (principal.via === "token" && principal.tokenId !== undefined) return tokenGroup(principal.tokenId);
  if (principal.via === "session" && principal.session) return sessionGroup(principal.session.idHash);
  return undefined;
}

/** After a committed change: closes the affected live connections, on every node. */
export async function revokeAccess(ctx: AppContext, group: string, event: AccessRevoked): Promise<void> {
  try {
    // Cached credentials first, so no node lets the credential in again while connections close.
    if (group.startsWith("credential."))
      await ctx.channels.groupSend(dashboardContract, CREDENTIALS_GROUP, CREDENTIAL_REVOKED, { group });
    await ctx.channels.groupSend(dashboardContract, group, "access_revoked", event);
  } catch (err) {
    // Stored either way; the connections lose access at their next handshake.
    ctx.log.error({ err, group }, "closing connections that lost access failed");
  }
}

export const revokeDashboard = (ctx: AppContext, dashboardId: number, event: AccessRevoked) =>
  revokeAccess(ctx, dashboardGroup(dashboardId), event);

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

export const tokenRevoked: AccessRevoked = {
  user_id: null,
  code: 4001,
  reason: "This API token was revoked",
};

export const signedOut: AccessRevoked = { user_id: null, code: 4001, reason: "Signed out" };

export const sessionRevoked: AccessRevoked = {
  user_id: null,
  code: 4001,
  reason: "This session was signed out",
};
