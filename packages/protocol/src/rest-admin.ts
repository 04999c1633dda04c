// The REST contract of administration (docs/API.md "Administration and teams"): users, teams and a
// dashboard's teams and access list, plus the freshness report and the health answers. Re-exported
// by rest.ts; kept apart so the core contract file stays short. Depends on nothing but Zod.
import { z } from "zod";
import { isoTimestamp } from "./messages.ts";

const id = z.number().int().positive();
const role = z.enum(["viewer", "editor", "owner"]);

// ---- users and teams ---------------------------------------------------------------------------

export const createUserBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(8).max(1024).optional(),
  admin: z.boolean().optional(),
});
export const patchUserBody = z
  .strictObject({ admin: z.boolean().optional(), disabled: z.boolean().optional() })
  .refine((b) => b.admin !== undefined || b.disabled !== undefined, "Give admin and/or disabled");
/** Without `password` the server generates one and answers it once. */
export const resetPasswordBody = z.strictObject({ password: z.string().min(8).max(1024).optional() });
export const teamBody = z.strictObject({ name: z.string().trim().min(1).max(64) });
export const teamMemberBody = z.strictObject({ username: z.string().min(1) });
export const dashboardTeamBody = z.strictObject({ team_id: id, role });

export const adminUser = z.object({
  id,
  username: z.string(),
  admin: z.boolean(),
  disabled: z.boolean(),
  created_at: isoTimestamp,
});
/** `password` only when the server generated it. */
export const createUserAnswer = z.object({ user: adminUser, password: z.string().optional() });
export const resetPasswordAnswer = z.object({ reset: z.literal(true), password: z.string().optional() });
export const team = z.object({ id, name: z.string(), members: z.array(z.string()) });
export const dashboardTeam = z.object({ team_id: id, name: z.string(), role });
/** One row per route of access: `via` is "direct" or "team:<name>". */
export const accessEntry = z.object({ user_id: id, username: z.string(), role, via: z.string() });

// ---- freshness and health ----------------------------------------------------------------------

const ms = z.number().min(0).max(86_400_000);
/** `POST /dashboards/:id/freshness`: a page's commit → render lag over its last window. */
export const freshnessReport = z.strictObject({
  p50_ms: ms,
  p99_ms: ms,
  samples: z.number().int().min(1).max(1_000_000),
});
export const freshnessAnswer = freshnessReport.extend({ reported_at: isoTimestamp });

const check = z.looseObject({ status: z.string(), error: z.string().optional() });
/** `GET /health` (200 ok, 503 degraded), `GET /ready` (200 ready, 503 not ready or draining). */
export const healthAnswer = z.looseObject({
  status: z.string(),
  storage: z.enum(["sqlite", "postgres"]).optional(),
  checks: z.record(z.string(), check).optional(),
  reasons: z.array(z.string()).optional(),
});

export type AdminUser = z.infer<typeof adminUser>;
export type CreateUserBody = z.infer<typeof createUserBody>;
export type PatchUserBody = z.infer<typeof patchUserBody>;
export type Team = z.infer<typeof team>;
export type DashboardTeam = z.infer<typeof dashboardTeam>;
export type FreshnessReport = z.infer<typeof freshnessReport>;
export type AccessEntry = z.infer<typeof accessEntry>;
