// The Users page in Chromium against the real server. The administrator (the first user) adds a
// user with a generated password shown once, disables and enables them, resets their password,
// promotes them, puts them in a team and takes them out, and deletes them; each step is checked
// against what the server then does (who can sign in, what /admin/users answers). A user name
// with markup shows as text. A team given a role in a dashboard's Share panel lets its member in,
// and the panel says who has access through what. Anyone else finds no link and a refusal.
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO,
  ensureWebBuilt,
  login,
  openBrowser,
  restSession,
  type ServerProcess,
  startServer,
} from "./e2e.ts";

const ADA = { username: "ada", password: "ada-admin-password" };
const HOSTILE = `<img src=x onerror="window.__pwned=1">`;

let server: ServerProcess;
let browser: ChromiumHandle;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer({}, { users: [ADA] });
  browser = await openBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

const loginStatus = async (username: string, password: string) =>
  (
    await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    })
  ).status;

async function adminView(username: string) {
  const { call } = await restSession(server.url, ADA.username, ADA.password);
  const users = await call<Array<{ username: string; admin: boolean; disabled: boolean }>>(
    "GET",
    "/api/v1/admin/users",
  );
  return users.find((u) => u.username === username);
}

const row = (page: Page, username: string) => page.getByTestId(`user-${username}`);

async function shownPassword(page: Page, previous?: string): Promise<string> {
  const box = page.getByTestId("new-password");
  await expect
    .poll(async () => ((await box.count()) ? await box.textContent() : null))
    .not.toBe(previous ?? null);
  return (await box.textContent())!;
}

describe("users page", () => {
  it("adds, disables, enables, resets, promotes, teams and deletes a user, as the server then holds", async () => {
    const page = await browser.context.newPage();
    await login(page, server.url, "/", ADA);
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
    await row(page, "ada").getByText("(you)").waitFor();
    // no self-demotion, self-disabling or self-deletion from here
    expect(await row(page, "ada").getByRole("button", { name: "Delete" }).count()).toBe(0);
    expect(await row(page, "ada").getByRole("button", { name: "Disable" }).count()).toBe(0);

    const form = page.getByTestId("add-user");
    await form.getByLabel("User name").fill("bob");
    await form.getByRole("button", { name: "Add user" }).click();
    const first = await shownPassword(page);
    await row(page, "bob").waitFor();
    expect(await loginStatus("bob", first)).toBe(200);

    await row(page, "bob").getByRole("button", { name: "Disable" }).click();
    await row(page, "bob").getByText("disabled").waitFor();
    expect((await adminView("bob"))?.disabled).toBe(true);
    expect(await loginStatus("bob", first)).not.toBe(200);
    await row(page, "bob").getByRole("button", { name: "Enable" }).click();
    await row(page, "bob").getByText("disabled").waitFor({ state: "detached" });
    expect(await loginStatus("bob", first)).toBe(200);

    await row(page, "bob").getByRole("button", { name: "Reset password" }).click();
    const second = await shownPassword(page, first);
    expect(await loginStatus("bob", first)).toBe(401);
    expect(await loginStatus("bob", second)).toBe(200);

    await row(page, "bob").getByRole("button", { name: "Make administrator" }).click();
    await row(page, "bob").getByText("administrator", { exact: true }).waitFor();
    expect((await adminView("bob"))?.admin).toBe(true);
    await row(page, "bob").getByRole("button", { name: "Remove administrator" }).click();
    await row(page, "bob").getByRole("button", { name: "Make administrator" }).waitFor();
    expect((await adminView("bob"))?.admin).toBe(false);

    await page.getByLabel("Team name").fill("ops");
    await page.getByRole("button", { name: "Create team" }).click();
    const team = page.getByTestId("team-ops");
    await team.getByText("no members").waitFor();
    await team.getByLabel("Add a member to ops").fill("bob");
    await team.getByRole("button", { name: "Add", exact: true }).click();
    await team.getByRole("button", { name: "Remove bob from ops" }).waitFor();
    const { call } = await restSession(server.url, ADA.username, ADA.password);
    const teams = await call<Array<{ name: string; members: string[] }>>("GET", "/api/v1/teams");
    expect(teams.find((t) => t.name === "ops")?.members).toEqual(["bob"]);
    await team.getByRole("button", { name: "Remove bob from ops" }).click();
    await team.getByText("no members").waitFor();

    await row(page, "bob").getByRole("button", { name: "Delete" }).click();
    await row(page, "bob").getByRole("button", { name: "Delete", exact: true }).click();
    await row(page, "bob").waitFor({ state: "detached" });
    expect(await adminView("bob")).toBeUndefined();
    expect(await loginStatus("bob", second)).toBe(401);

    // A hostile user name is text, never markup.
    await form.getByLabel("User name").fill(HOSTILE);
    await form.getByLabel("Password").fill("a-long-enough-passphrase");
    await form.getByRole("button", { name: "Add user" }).click();
    await row(page, HOSTILE).getByText(HOSTILE).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.getByTestId("new-password").count()).toBe(0); // the password was given, not generated
    await page.close();
  });

  it("gives a team a role on a dashboard from the Share panel: its member reaches it, and the access list says through what", async () => {
    const { call } = await restSession(server.url, ADA.username, ADA.password);
    const ZOE = { username: "zoe", password: "zoe-team-password" };
    await call("POST", "/api/v1/admin/users", ZOE);
    const team = await call<{ id: number }>("POST", "/api/v1/teams", { name: "night-shift" });
    await call("PUT", `/api/v1/teams/${team.id}/members`, { username: "zoe" });
    const dash = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "Team board" });
    const zoe = await restSession(server.url, ZOE.username, ZOE.password);
    const zoesRole = async () =>
      (await zoe.call<Array<{ id: number; role: string }>>("GET", "/api/v1/dashboards")).find(
        (d) => d.id === dash.id,
      )?.role;
    expect(await zoesRole()).toBeUndefined();

    await browser.context.clearCookies(); // signed in here, whichever spec ran before
    const page = await browser.context.newPage();
    await login(page, server.url, `/dashboards/${dash.id}`, ADA);
    await page.getByRole("button", { name: "Share" }).click();
    const panel = page.getByTestId("share-panel");
    await panel.locator('select[name="share-team"]').selectOption({ label: "night-shift" });
    await panel.getByLabel("Team role").selectOption("editor");
    await panel.getByRole("button", { name: "Give access" }).click();
    await panel.getByText("Team night-shift is now editor.").waitFor();
    await panel.getByTestId("dashboard-access").getByText("through team night-shift").waitFor();
    expect(await panel.getByTestId("dashboard-access").textContent()).toContain("zoe");
    expect(await zoesRole()).toBe("editor");

    await panel.getByRole("button", { name: "Remove team night-shift" }).click();
    await panel.getByText("Team night-shift no longer has access.").waitFor();
    await panel
      .getByTestId("dashboard-access")
      .getByText("through team night-shift")
      .waitFor({ state: "detached" });
    expect(await zoesRole()).toBeUndefined();
    await page.close();
  });

  it("shows anyone else no Users link, and the page itself refuses them", async () => {
    const other = await openBrowser(); // its own profile: not signed in as the administrator
    const page = await other.context.newPage();
    await login(page, server.url, "/", DEMO);
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    await page.getByRole("link", { name: "Account" }).waitFor();
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    await page.goto(`${server.url}/admin/users`);
    await page.getByRole("alert").filter({ hasText: "Only administrators can manage users." }).waitFor();
    await other.close();
  });
});
