// Single sign-on with OpenID Connect in Chromium, against a real OpenID provider (the
// `oidc-provider` package, started here on 127.0.0.1) and the real server: the first login
// creates the user and lands on the dashboards page, the second finds the same user; an answer
// whose state is not this browser's, a code used twice and an expired code are refused with a
// page saying so and no session; a disabled user is refused; the groups claim puts the user in
// the mapped team (and takes them out again); with password login off the form is gone and the
// login endpoint refuses with PB_ERR_LOCAL_LOGIN_OFF. A password account linked to the provider
// from the Account page is reached by signing in there; the same identity cannot be linked to a
// second account; unlinked, it no longer reaches the account. Signing out of a single sign-on
// session signs out at the provider too (RP-initiated logout).
import {
  type ChromiumHandle,
  freePort,
  type OidcProviderHandle,
  startOidcProvider,
} from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuilt, login, openBrowser, restSession, type ServerProcess, startServer } from "./e2e.ts";

const CALLBACK = "/api/v1/auth/oidc/callback";
let provider: OidcProviderHandle;
let server: ServerProcess;
let ssoOnly: ServerProcess;
let browser: ChromiumHandle;

const oidcEnv = (base: string) => ({
  PULSEBOARD_OIDC_ISSUER: provider.issuer,
  PULSEBOARD_OIDC_CLIENT_ID: provider.clientId,
  PULSEBOARD_OIDC_CLIENT_SECRET: provider.clientSecret,
  PULSEBOARD_OIDC_NAME: "Example ID",
  PULSEBOARD_OIDC_SCOPES: "openid profile email groups",
  PULSEBOARD_OIDC_GROUPS_CLAIM: "groups",
  PULSEBOARD_OIDC_GROUP_TEAMS: "idp-sre=sre",
  // The redirect URL is derived from the public URL: <public URL>/api/v1/auth/oidc/callback.
  PULSEBOARD_PUBLIC_URL: base,
});

beforeAll(async () => {
  ensureWebBuilt();
  const [port, ssoOnlyPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const ssoOnlyBase = `http://127.0.0.1:${ssoOnlyPort}`;
  provider = await startOidcProvider({ redirectUris: [base + CALLBACK, ssoOnlyBase + CALLBACK] });
  server = await startServer(oidcEnv(base), { port });
  ssoOnly = await startServer(
    { ...oidcEnv(ssoOnlyBase), PULSEBOARD_LOCAL_LOGIN: "0" },
    { port: ssoOnlyPort },
  );
  browser = await openBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  await ssoOnly?.destroy();
  await provider?.close();
});

/** From our login page through the provider's login and consent pages, until `until` holds. */
async function signInAtProvider(page: Page, url: string, login: string) {
  await page.goto(`${url}/login`);
  await page.getByRole("link", { name: "Sign in with Example ID" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

/** A fresh page with no cookies at all (neither ours nor the provider's session). */
async function freshPage(): Promise<Page> {
  await browser.context.clearCookies();
  return browser.context.newPage();
}

const sessionCookie = async () =>
  (await browser.context.cookies()).find((c) => c.name === "pb_session")?.value;

const admin = () => restSession(server.url);

type AdminUser = { id: number; username: string; disabled: boolean };
const users = async () => (await admin()).call<AdminUser[]>("GET", "/api/v1/admin/users");

/** The refusal page the callback answered with: its status and its reason. */
async function refusal(page: Page) {
  const reason = await page.getByTestId("sso-error").textContent();
  return { heading: await page.getByRole("heading").first().textContent(), reason };
}

/**
 * Runs the flow until the provider sends the browser back to our callback, and stops it there:
 * the callback URL (state and an unused code) is returned, never opened. The consent form's
 * POST is taken over and the provider's redirects followed by hand (a route sees only the first
 * request of a redirect chain), with this browser's cookies.
 */
async function stopAtCallback(page: Page, url: string, login: string): Promise<string> {
  let captured: ((u: string) => void) | undefined;
  const seen = new Promise<string>((resolve) => {
    captured = resolve;
  });
  const pattern = `${provider.issuer}/interaction/**`;
  await page.route(pattern, async (route) => {
    const request = route.request();
    if (request.method() !== "POST" || !request.postData()?.includes("prompt=consent"))
      return route.continue();
    let response = await route.fetch({ maxRedirects: 0 });
    let location = response.headers().location;
    while (location && !new URL(location, provider.issuer).href.startsWith(url + CALLBACK)) {
      response = await page.context().request.get(new URL(location, provider.issuer).href, {
        maxRedirects: 0,
      });
      location = response.headers().location;
    }
    if (location) captured?.(new URL(location, provider.issuer).href);
    await route.fulfill({
      status: 200,
      contentType: "text/html",
      body: "<p>stopped before the callback</p>",
    });
  });
  await signInAtProvider(page, url, login);
  const callback = await seen;
  await page.unroute(pattern);
  return callback;
}

describe("single sign-on", () => {
  it("creates the user on the first login and lands on the dashboards page; the second login finds the same user", async () => {
    const page = await freshPage();
    await signInAtProvider(page, server.url, "ann");
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    const me = await page.evaluate(() => fetch("/api/v1/auth/me").then((r) => r.json()));
    expect(me.user.username).toBe("ann");
    const before = await users();
    expect(before.filter((u) => u.username.startsWith("ann"))).toHaveLength(1);
    await page.close();

    const again = await freshPage();
    await signInAtProvider(again, server.url, "ann");
    await again.getByRole("heading", { name: "Dashboards" }).waitFor();
    const second = await again.evaluate(() => fetch("/api/v1/auth/me").then((r) => r.json()));
    expect(second.user.id).toBe(me.user.id);
    expect((await users()).length).toBe(before.length);
    await again.close();
  });

  it("sends the user on to the page they asked for", async () => {
    const page = await freshPage();
    await page.goto(`${server.url}/account`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole("link", { name: "Sign in with Example ID" }).click();
    await page.locator('input[name="login"]').fill("ann");
    await page.locator('input[name="password"]').fill("anything");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Account" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/account");
    await page.close();
  });

  it("refuses an answer whose state is not the one this browser started with: 400 page, no session", async () => {
    // Another browser's answer (state and a valid code), opened in this one: login CSRF.
    const theirs = await freshPage();
    const foreign = await stopAtCallback(theirs, server.url, "mallory");
    const theirTransaction = (await browser.context.cookies()).find((c) => c.name === "pb_oidc");
    await theirs.close();
    const page = await freshPage();
    await page.goto(`${server.url}/login`);
    await page.getByRole("link", { name: "Sign in with Example ID" }).click();
    await page.locator('input[name="login"]').waitFor();
    const response = await page.goto(foreign);
    expect(response?.status()).toBe(400);
    expect(await refusal(page)).toEqual({
      heading: "Sign-in failed",
      reason: expect.stringContaining("state mismatch"),
    });
    expect(await sessionCookie()).toBeUndefined();
    expect((await users()).some((u) => u.username === "mallory")).toBe(false);

    // The same answer in the browser that started it is good: only the state was wrong.
    await browser.context.clearCookies();
    await browser.context.addCookies([theirTransaction!]);
    await page.goto(foreign);
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    expect((await users()).some((u) => u.username === "mallory")).toBe(true);
    await page.close();
  });

  it("refuses a code used a second time: 400 page, no session", async () => {
    const page = await freshPage();
    const callbacks: string[] = [];
    page.on("request", (r) => {
      if (r.url().startsWith(server.url + CALLBACK)) callbacks.push(r.url());
    });
    await page.goto(`${server.url}/login`);
    await page.getByRole("link", { name: "Sign in with Example ID" }).click();
    const transaction = (await browser.context.cookies()).find((c) => c.name === "pb_oidc");
    expect(transaction).toBeDefined();
    await page.locator('input[name="login"]').fill("ann");
    await page.locator('input[name="password"]').fill("anything");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    expect(callbacks).toHaveLength(1);

    // Replay: the same browser transaction and the same answer, code included.
    await browser.context.clearCookies();
    await browser.context.addCookies([transaction!]);
    const response = await page.goto(callbacks[0]!);
    expect(response?.status()).toBe(400);
    expect((await refusal(page)).reason).toMatch(/invalid_grant.*expired or been used already/);
    expect(await sessionCookie()).toBeUndefined();
    await page.close();
  });

  it("refuses an expired code: 400 page, no session", async () => {
    provider.setCodeTtl(1);
    try {
      const page = await freshPage();
      const callback = await stopAtCallback(page, server.url, "ann");
      // The code lives one second; it is redeemed only after it is gone.
      await page.waitForTimeout(2_500);
      const response = await page.goto(callback);
      expect(response?.status()).toBe(400);
      expect((await refusal(page)).reason).toMatch(/invalid_grant/);
      expect(await sessionCookie()).toBeUndefined();
      await page.close();
    } finally {
      provider.setCodeTtl(60);
    }
  });

  it("links a password account from the Account page; signing in at the provider then reaches it, once", async () => {
    const { call } = await admin();
    const LENA = { username: "lena", password: "lena-local-password" };
    const MAX = { username: "max", password: "max-local-password" };
    for (const u of [LENA, MAX]) await call("POST", "/api/v1/admin/users", u);
    /** Signs in with the password, then links from the Account page as `idpLogin` at the provider. */
    const linkAs = async (user: typeof LENA, idpLogin: string) => {
      const page = await freshPage();
      await login(page, server.url, "/account", user);
      const section = page.getByTestId("linked-sign-in");
      await section.getByRole("link", { name: "Link your Example ID account" }).click();
      await page.locator('input[name="login"]').fill(idpLogin);
      await page.locator('input[name="password"]').fill("anything");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await page.getByRole("button", { name: "Continue" }).click();
      return page;
    };
    const linked = await linkAs(LENA, "lena-at-idp");
    await linked.getByTestId("linked-sign-in").getByRole("button", { name: "Unlink Example ID" }).waitFor();
    expect(new URL(linked.url()).pathname).toBe("/account");
    await linked.close();

    const viaProvider = await freshPage();
    await signInAtProvider(viaProvider, server.url, "lena-at-idp");
    await viaProvider.getByRole("heading", { name: "Dashboards" }).waitFor();
    const me = await viaProvider.evaluate(() => fetch("/api/v1/auth/me").then((r) => r.json()));
    expect(me.user.username).toBe("lena"); // the linked account, not a new "lena-at-idp"
    await viaProvider.close();

    // Another account cannot take the same identity.
    const answered = new Promise<number>((resolve) => {
      browser.context.on("response", (r) => {
        if (r.url().startsWith(server.url + CALLBACK)) resolve(r.status());
      });
    });
    const refused = await linkAs(MAX, "lena-at-idp");
    expect(await answered).toBe(403);
    expect((await refusal(refused)).reason).toContain("already linked to another Pulseboard account");
    await refused.close();
    const maxSession = await restSession(server.url, MAX.username, MAX.password);
    expect(await maxSession.call("GET", "/api/v1/me/identities")).toEqual([]);

    // Unlinked, the identity no longer reaches lena: signing in creates its own user.
    const lena = await restSession(server.url, LENA.username, LENA.password);
    const [identity] = await lena.call<Array<{ issuer: string }>>("GET", "/api/v1/me/identities");
    await lena.call("DELETE", `/api/v1/me/identities?issuer=${encodeURIComponent(identity!.issuer)}`);
    const after = await freshPage();
    await signInAtProvider(after, server.url, "lena-at-idp");
    await after.getByRole("heading", { name: "Dashboards" }).waitFor();
    const other = await after.evaluate(() => fetch("/api/v1/auth/me").then((r) => r.json()));
    expect(other.user.username).toBe("lena-at-idp");
    await after.close();

    // Linking needs a signed-in browser.
    const anonymous = await fetch(`${server.url}/api/v1/auth/oidc/login?link=1`, { redirect: "manual" });
    expect(anonymous.status).toBe(401);
  });

  it("signs out at the provider too when a single sign-on session signs out: the next sign-in asks to log in again", async () => {
    const page = await freshPage();
    await signInAtProvider(page, server.url, "olive");
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    const me = await page.evaluate(() => fetch("/api/v1/auth/me").then((r) => r.json()));
    expect(me.signOutUrl).toBe("/api/v1/auth/oidc/logout");
    // Signed out here only (a plain logout), the provider's session lives on: signing in again goes
    // through without its login form.
    await page.evaluate(async (csrf) => {
      await fetch("/api/v1/auth/logout", { method: "POST", headers: { "x-csrf-token": csrf } });
    }, me.csrfToken);
    await page.goto(`${server.url}/login`);
    await page.getByRole("link", { name: "Sign in with Example ID" }).click();
    await page.waitForURL((u) => u.href.startsWith(server.url) && !u.pathname.startsWith("/login"));
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Yes, sign me out" }).click(); // the provider's page
    await page.waitForURL(`${server.url}/login`);
    expect(await sessionCookie()).toBeUndefined();
    await page.getByRole("link", { name: "Sign in with Example ID" }).click();
    await page.locator('input[name="login"]').waitFor(); // the provider asks again
    await page.close();
  });

  it("refuses a disabled user with a page saying so", async () => {
    const page = await freshPage();
    await signInAtProvider(page, server.url, "dora");
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    const dora = (await users()).find((u) => u.username === "dora")!;
    await (await admin()).call("PATCH", `/api/v1/admin/users/${dora.id}`, { disabled: true });
    await page.close();

    const again = await freshPage();
    const answered = again.waitForResponse((r) => r.url().startsWith(server.url + CALLBACK));
    await signInAtProvider(again, server.url, "dora");
    expect((await answered).status()).toBe(403);
    expect((await refusal(again)).reason).toBe("This account is disabled; ask an administrator.");
    expect(await sessionCookie()).toBeUndefined();
    await again.close();
  });

  it("maps the groups claim to teams on each login: in the team (and its dashboard) while the group says so", async () => {
    const { call } = await admin();
    provider.accounts.set("gina", { groups: ["idp-sre", "unmapped"] });
    const page = await freshPage();
    await signInAtProvider(page, server.url, "gina");
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    type Team = { id: number; name: string; members: string[] };
    const sre = (await call<Team[]>("GET", "/api/v1/teams")).find((t) => t.name === "sre")!;
    expect(sre.members).toEqual(["gina"]);
    // The team's dashboard is on her list at the next login.
    const dash = await call<{ id: number }>("POST", "/api/v1/dashboards", { name: "SRE board" });
    await call("PUT", `/api/v1/dashboards/${dash.id}/teams`, { team_id: sre.id, role: "viewer" });
    await page.close();

    const again = await freshPage();
    await signInAtProvider(again, server.url, "gina");
    await again.getByRole("link", { name: "SRE board" }).waitFor();
    await again.close();

    provider.accounts.set("gina", { groups: ["unmapped"] });
    const third = await freshPage();
    await signInAtProvider(third, server.url, "gina");
    await third.getByRole("heading", { name: "Dashboards" }).waitFor();
    expect((await call<Team[]>("GET", "/api/v1/teams")).find((t) => t.name === "sre")?.members).toEqual([]);
    expect(await third.getByRole("link", { name: "SRE board" }).count()).toBe(0);
    await third.close();
  });

  it("with password login off: no password form, the login endpoint refuses, single sign-on works", async () => {
    const page = await freshPage();
    await page.goto(`${ssoOnly.url}/login`);
    await page.getByRole("link", { name: "Sign in with Example ID" }).waitFor();
    expect(await page.getByLabel("Password").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Sign in", exact: true }).count()).toBe(0);

    const res = await fetch(`${ssoOnly.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "demo", password: "demo-e2e-password" }),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toEqual({
      code: "PB_ERR_LOCAL_LOGIN_OFF",
      message: "Password login is switched off on this server; sign in with single sign-on",
    });
    expect(res.headers.get("set-cookie")).toBeNull();

    await signInAtProvider(page, ssoOnly.url, "ann");
    await page.getByRole("heading", { name: "Dashboards" }).waitFor();
    await page.close();
  });
});
