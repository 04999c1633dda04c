// The Account page in Chromium against the real server: a password that breaks the policy is
// refused with the server's reason shown as text; a good one is accepted, the old one stops
// working, and a session signed in elsewhere is listed and can be signed out from here.
import type { ChromiumHandle } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuilt, login, openBrowser, type ServerProcess, startServer } from "./e2e.ts";

const ANN = { username: "ann", password: "ann-password-1" };

let server: ServerProcess;
let browser: ChromiumHandle;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer({}, { users: [ANN] });
  browser = await openBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

const loginStatus = async (password: string, userAgent = "node") =>
  (
    await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": userAgent },
      body: JSON.stringify({ username: ANN.username, password }),
    })
  ).status;

describe("account page", () => {
  it("refuses a weak password with the policy's reason, then changes it and signs out another session", async () => {
    expect(await loginStatus(ANN.password, "Other Device 2.0")).toBe(200);
    const page = await browser.context.newPage();
    await login(page, server.url, "/account", ANN);
    await page.getByRole("heading", { name: "Account" }).waitFor();
    await page.getByTestId("session-list").getByText("Other Device 2.0").waitFor();

    await page.getByLabel("Current password").fill(ANN.password);
    await page.getByLabel("New password").fill("password123");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("alert").filter({ hasText: "most common passwords" }).waitFor();

    await page.getByLabel("New password").fill("a-much-better-passphrase");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("status").filter({ hasText: "Password changed" }).waitFor();
    // The other session was signed out by the change: only this one is listed now.
    await page.getByTestId("session-list").getByText("Other Device 2.0").waitFor({ state: "detached" });
    expect(await loginStatus(ANN.password)).toBe(401);
    expect(await loginStatus("a-much-better-passphrase")).toBe(200);
    await page.close();
  });
});
