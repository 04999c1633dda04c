// Owns the first-run seed: the demo user and the "System" and "Demo" dashboards it owns. The
// collectors fill those dashboards' metrics on first sight. There is no fixed demo password (a
// web page could sign in to every local install with it): it is PULSEBOARD_DEMO_PASSWORD if set
// (scripted set-ups, the e2e specs), else random, and main.ts prints it once.
import { randomBytes } from "node:crypto";
import { describeProblems, passwordProblems } from "../auth/password-policy.ts";
import { createUser, findUserByName } from "../auth/users.ts";
import type { AppContext } from "../context.ts";
import { ensureDashboard } from "../ingest/sink.ts";
import { DEMO_DASHBOARD, SYSTEM_DASHBOARD } from "./collection.ts";

export const DEMO_USER = { username: "demo" };

/** On first run: creates the demo user and dashboards and returns the password; undefined later. */
export async function seedDemo(ctx: AppContext): Promise<string | undefined> {
  if (await findUserByName(ctx.db, DEMO_USER.username)) return undefined;
  const password = ctx.config.demoPassword ?? randomBytes(12).toString("base64url");
  const problems = passwordProblems(password, {
    username: DEMO_USER.username,
    minLength: ctx.config.passwordMinLength,
  });
  if (problems.length) throw new Error(`PULSEBOARD_DEMO_PASSWORD: ${describeProblems(problems)}`);
  await createUser(ctx.db, DEMO_USER.username, password);
  await ensureDashboard(ctx, { ...SYSTEM_DASHBOARD, owner: DEMO_USER.username });
  await ensureDashboard(ctx, { ...DEMO_DASHBOARD, owner: DEMO_USER.username });
  return password;
}
