// Owns the first-run seed: the demo user (demo/demo) and the "System" and "Demo" dashboards it
// owns. The collectors fill those dashboards' metrics on first sight.
import { DEMO_DASHBOARD, SYSTEM_DASHBOARD } from "./collection.ts";
import type { AppContext } from "./context.ts";
import { createUser, findUserByName } from "./model/users.ts";
import { ensureDashboard } from "./sink.ts";

export const DEMO_USER = { username: "demo", password: "demo" };

/** Returns whether the demo user was created now (first run). */
export async function seedDemo(ctx: AppContext): Promise<boolean> {
  let created = false;
  if (!(await findUserByName(ctx.db, DEMO_USER.username))) {
    await createUser(ctx.db, DEMO_USER.username, DEMO_USER.password);
    created = true;
  }
  if (created) {
    await ensureDashboard(ctx, { ...SYSTEM_DASHBOARD, owner: DEMO_USER.username });
    await ensureDashboard(ctx, { ...DEMO_DASHBOARD, owner: DEMO_USER.username });
  }
  return created;
}
