// The dashboard settings panel in Chromium against the real server: an owner renames a dashboard,
// changes its description and deletes it (after a confirmation); other open pages follow, the
// server's validation errors are shown as text, and viewers and editors get no such control.
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createFixture,
  ensureWebBuilt,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  signedInBrowser,
  startServer,
  untilLive,
} from "./e2e.ts";

const VERA = { username: "vera", password: "vera-password-1" };
const EDDIE = { username: "eddie", password: "eddie-password-1" };
type Stored = { id: number; name: string; description: string };

let server: ServerProcess;
let browser: ChromiumHandle;
let rest: Awaited<ReturnType<typeof restSession>>;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer({}, { users: [VERA, EDDIE] });
  rest = await restSession(server.url);
  browser = await signedInBrowser(server.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

const stored = (id: number) => rest.call<Stored>("GET", `/api/v1/dashboards/${id}`);
const titleOf = (page: Page) => page.getByRole("banner").getByTestId("dashboard-name");

/** Brings the page to the front (a background tab gets no animation frames) and opens the panel. */
async function openSettings(page: Page) {
  await page.bringToFront();
  await page.getByRole("toolbar").getByRole("button", { name: "Settings", exact: true }).click();
  const panel = page.getByTestId("dashboard-settings");
  await panel.waitFor();
  return { panel, form: panel.getByRole("form", { name: "Dashboard" }) };
}

describe("dashboard settings", () => {
  it("renames a dashboard and changes its description: this page, another open page and REST show them", async () => {
    const own = await createFixture(server.url, "Before rename", 1);
    const page = await openLiveDashboard(browser, server.url, own.dashboardId);
    const other = await openLiveDashboard(browser, server.url, own.dashboardId);
    try {
      const { panel, form } = await openSettings(page);
      await expect(form.getByLabel("Name").inputValue()).resolves.toBe("Before rename");
      await form.getByLabel("Name").fill("  Edge cluster  ");
      await form.getByLabel("Description").fill("Nodes in eu-west");
      await form.getByRole("button", { name: "Save" }).click();
      await panel.getByRole("status").filter({ hasText: "Saved." }).waitFor();
      // The server trims the name; the field shows what was stored.
      await expect(form.getByLabel("Name").inputValue()).resolves.toBe("Edge cluster");
      await titleOf(page)
        .filter({ hasText: /^Edge cluster$/ })
        .waitFor();
      await expect(page.title()).resolves.toBe("Edge cluster · Pulseboard");
      // The other page learns it from the re-announced dashboard_config.
      await titleOf(other)
        .filter({ hasText: /^Edge cluster$/ })
        .waitFor();
      await expect(other.title()).resolves.toBe("Edge cluster · Pulseboard");
      await expect(other.getByRole("heading", { level: 1 }).getAttribute("title")).resolves.toBe(
        "Nodes in eu-west",
      );
      expect(await stored(own.dashboardId)).toMatchObject({
        name: "Edge cluster",
        description: "Nodes in eu-west",
      });

      // A description can be cleared again.
      await form.getByLabel("Description").fill("");
      await form.getByRole("button", { name: "Save" }).click();
      await panel.getByRole("status").filter({ hasText: "Saved." }).waitFor();
      await expect.poll(async () => (await stored(own.dashboardId)).description).toBe("");
      await other.getByRole("heading", { level: 1 }).and(other.locator(":not([title])")).waitFor();
    } finally {
      await page.close();
      await other.close();
    }
  });

  it("shows the server's error for an empty or 201-character name, as text, and stores nothing", async () => {
    const own = await createFixture(server.url, "Kept name", 0);
    await rest.call("PATCH", `/api/v1/dashboards/${own.dashboardId}`, { description: "Kept description" });
    const page = await openLiveDashboard(browser, server.url, own.dashboardId);
    try {
      const { panel, form } = await openSettings(page);
      const error = panel.getByRole("alert");
      await form.getByLabel("Name").fill("");
      await form.getByLabel("Description").fill("Not saved either");
      await form.getByRole("button", { name: "Save" }).click();
      await error.filter({ hasText: "body.name" }).waitFor();
      await expect(error.textContent()).resolves.toMatch(/^Invalid request: body\.name .*1/);

      // The field takes at most 200 characters as typed; a longer name (from a client without that
      // guard) is the server's to refuse.
      await form.getByLabel("Name").fill("x".repeat(201));
      await expect(form.getByLabel("Name").inputValue()).resolves.toHaveLength(200);
      await form.getByLabel("Name").evaluate((input) => input.removeAttribute("maxlength"));
      await form.getByLabel("Name").fill(`${"<b>x</b>".repeat(25)}y`);
      await form.getByRole("button", { name: "Save" }).click();
      await error.filter({ hasText: "200" }).waitFor();
      await expect(error.textContent()).resolves.toMatch(/^Invalid request: body\.name .*200/);
      expect(await panel.locator("b").count()).toBe(0);

      expect(await stored(own.dashboardId)).toMatchObject({
        name: "Kept name",
        description: "Kept description",
      });
      await expect(titleOf(page).textContent()).resolves.toBe("Kept name");
    } finally {
      await page.close();
    }
  });

  it("deletes a dashboard only after confirmation: lands on the list without it, and another open page is told", async () => {
    const own = await createFixture(server.url, "Doomed board", 1);
    const kept = await createFixture(server.url, "Kept board", 0);
    const page = await openLiveDashboard(browser, server.url, own.dashboardId);
    const other = await openLiveDashboard(browser, server.url, own.dashboardId);
    try {
      const { panel } = await openSettings(page);
      await panel.getByRole("button", { name: "Delete dashboard…" }).click();
      const confirm = panel.getByRole("group", { name: "Confirm deletion" });
      await expect(confirm.textContent()).resolves.toContain("Doomed board");
      // Cancelling keeps it.
      await confirm.getByRole("button", { name: "Cancel" }).click();
      await confirm.waitFor({ state: "detached" });
      await stored(own.dashboardId);
      await untilLive(other);

      await panel.getByRole("button", { name: "Delete dashboard…" }).click();
      await confirm.getByRole("button", { name: "Delete", exact: true }).click();
      await page.getByRole("heading", { name: "Dashboards", level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/");
      await expect(page.title()).resolves.toBe("Pulseboard");
      await page.getByRole("link", { name: /Kept board/ }).waitFor();
      expect(await page.getByRole("link", { name: /Doomed board/ }).count()).toBe(0);
      await expect(stored(own.dashboardId)).rejects.toThrow(/→ 404/);
      const list = await rest.call<Stored[]>("GET", "/api/v1/dashboards");
      expect(list.map((d) => d.id)).toContain(kept.dashboardId);
      expect(list.map((d) => d.id)).not.toContain(own.dashboardId);

      // The other page's stream was closed with 4004; it says why, as text.
      await other.bringToFront();
      await other.getByTestId("access-notice").filter({ hasText: "This dashboard was deleted" }).waitFor();
      await other.getByTestId("connection-status").filter({ hasText: "No access" }).waitFor();
    } finally {
      await page.close();
      await other.close();
    }
  });
});

describe("members who are not owners", () => {
  it("a viewer and an editor see no Settings button", async () => {
    const shared = await createFixture(server.url, "Shared board", 1);
    for (const [user, role] of [
      [VERA, "viewer"],
      [EDDIE, "editor"],
    ] as const) {
      await addMember(server.url, rest.call, shared.dashboardId, user, role);
      const theirs = await signedInBrowser(server.url, {}, user);
      try {
        const page = await openLiveDashboard(theirs, server.url, shared.dashboardId);
        await page.getByRole("banner").getByText(role, { exact: true }).waitFor();
        const toolbar = page.getByRole("toolbar");
        // The toolbar is complete (an editor's has its layout toggle), yet without Settings.
        if (role === "editor") await page.getByTestId("edit-toggle").waitFor();
        expect(await toolbar.getByRole("button", { name: "Settings", exact: true }).count()).toBe(0);
        expect(await page.getByTestId("dashboard-settings").count()).toBe(0);
      } finally {
        await theirs.close();
      }
    }
    // The owner, on the same dashboard, has it.
    const page = await openLiveDashboard(browser, server.url, shared.dashboardId);
    try {
      await page.getByRole("toolbar").getByRole("button", { name: "Settings", exact: true }).waitFor();
    } finally {
      await page.close();
    }
  });
});
