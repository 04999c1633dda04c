// Produces docs/screenshots/invitations-{list,share}[-phone]-{dark,light}.png: a real server where
// the demo user (an owner, not an administrator) invited bob to two dashboards and a name that has
// no account to one (admin accepted an invitation: a member); "list" is bob's dashboard list with the two invitations (Accept / Decline)
// above his own dashboard, "share" the owner's Share panel with its member and the two pending
// invitations (Withdraw). Wide (1440×900) and phone (390×844), once per theme.
//   npx tsx apps/web/scripts/invitations-screenshots.ts
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import {
  addMember,
  DEMO,
  ensureWebBuilt,
  login,
  openBrowser,
  restSession,
  startServer,
} from "../test/e2e.ts";

const OUT = resolve(import.meta.dirname, "../../../docs/screenshots");
const ADMIN = { username: "admin", password: "admin-password-1" };
const BOB = { username: "bob", password: "bob-password-1" };

ensureWebBuilt();
const server = await startServer({}, { users: [ADMIN, BOB] });
try {
  const demo = (await restSession(server.url)).call;
  const bob = (await restSession(server.url, BOB.username, BOB.password)).call;
  await bob("POST", "/api/v1/dashboards", { name: "Bob's sandbox", description: "experiments" });
  const payments = await demo<{ id: number }>("POST", "/api/v1/dashboards", {
    name: "Payments",
    description: "checkout latency and errors",
  });
  const edge = await demo<{ id: number }>("POST", "/api/v1/dashboards", { name: "Edge caches" });
  await addMember(server.url, demo, payments.id, ADMIN, "viewer");
  for (const [dashboard, username, role] of [
    [edge.id, "bob", "viewer"],
    [payments.id, "bob", "editor"],
    [payments.id, "carol", "viewer"],
  ] as const)
    await demo("PUT", `/api/v1/dashboards/${dashboard}/members`, { username, role });

  const shoot = async (page: Page, name: string) => {
    await page.waitForTimeout(600);
    const path = `${OUT}/${name}.png`;
    await page.screenshot({ path });
    console.log(`wrote ${path}`);
  };
  const setTheme = async (page: Page, theme: "dark" | "light") => {
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme)
      await page.getByTestId("theme-toggle").click();
  };

  for (const [viewport, suffix] of [
    [{ width: 1440, height: 900 }, ""],
    [{ width: 390, height: 844 }, "-phone"],
  ] as const) {
    const browser = await openBrowser({ viewport });
    try {
      const page = await browser.context.newPage();
      await login(page, server.url, "/", BOB);
      await page.getByTestId("invitations").getByText("Payments").waitFor();
      for (const theme of ["dark", "light"] as const) {
        await setTheme(page, theme);
        await shoot(page, `invitations-list${suffix}-${theme}`);
      }
      await browser.context.clearCookies();

      const owner = await browser.context.newPage();
      await login(owner, server.url, `/dashboards/${payments.id}`, DEMO);
      await owner.getByRole("button", { name: "Share" }).waitFor();
      for (const theme of ["dark", "light"] as const) {
        // The toggle is behind the modal panel: switch the theme first, then open Share.
        await setTheme(owner, theme);
        await owner.getByRole("button", { name: "Share" }).click();
        await owner.getByTestId("pending-invitations").getByText("carol").waitFor();
        await shoot(owner, `invitations-share${suffix}-${theme}`);
        await owner.keyboard.press("Escape");
        await owner.getByTestId("share-panel").waitFor({ state: "detached" });
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.destroy();
}
