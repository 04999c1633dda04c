// Alert rule sets by selector in Chromium against the real server: an editor makes a set from a
// family and label matchers (a bad selector's parse error shown inline, the Add button off, how many
// series it matches now), sees it with its number of series (a series created later counted in),
// changes it as a whole and deletes it after a confirmation; a viewer sees the sets and no controls.
import { parseSelector } from "@pulseboard/protocol/series";
import type { ChromiumHandle } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import {
  addMember,
  ensureWebBuilt,
  openLiveDashboard,
  restSession,
  type ServerProcess,
  signedInBrowser,
  startServer,
} from "./e2e.ts";

const VIV = { username: "viv", password: "viv-password-1" };
const WEB = 'cpu{host=~"web-.*"}';
type RuleSet = { id: number; selector: string; threshold: number; series: number; rule_ids: number[] };
type Rule = { id: number; threshold: number; selector?: string };

let server: ServerProcess;
let browser: ChromiumHandle;
let call: Awaited<ReturnType<typeof restSession>>["call"];
let dashboardId: number;
let token: string;

async function ingestCpu(hosts: string[]) {
  const r = await fetch(`${server.url}/api/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      points: hosts.map((host, i) => ({
        dashboard_id: dashboardId,
        metric: "cpu",
        labels: { host },
        value: 10 + i,
      })),
    }),
  });
  if (r.status !== 200) throw new Error(`ingest → ${r.status} ${await r.text()}`);
}
const sets = () => call<RuleSet[]>("GET", `/api/v1/dashboards/${dashboardId}/alert-rule-sets`);

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer({}, { users: [VIV] });
  ({ call } = await restSession(server.url));
  ({ id: dashboardId } = await call<{ id: number }>("POST", "/api/v1/dashboards", {
    name: "Rule sets spec",
  }));
  for (const name of ["cpu", "temp"])
    await call("POST", `/api/v1/dashboards/${dashboardId}/metrics`, { name, type: "gauge", unit: "%" });
  await addMember(server.url, call, dashboardId, VIV, "viewer");
  ({ token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: "rule sets ingest" }));
  await ingestCpu(["web-1", "web-2", "db-1"]);
  browser = await signedInBrowser(server.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

async function openRuleSets(page: Page) {
  await page.getByTestId("rule-sets-toggle").click();
  const panel = page.getByTestId("rule-sets-panel");
  await panel.waitFor();
  return panel;
}

describe("alert rule sets", () => {
  it("makes a set from a family and label matchers, showing a bad selector's error inline", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      const panel = await openRuleSets(page);
      await panel.getByText("No rule sets on this dashboard.").waitFor();
      const form = panel.getByRole("form", { name: "New alert rule set" });
      // the families are those of the labeled series (temp has none yet)
      const families = await form
        .locator("select[name=set-family] option")
        .evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
      expect(families).toEqual(["cpu"]);
      const bad = '{host=~"web-.*"';
      await form.getByLabel("Label matchers").fill(bad);
      const expected = (() => {
        try {
          parseSelector(`cpu${bad}`);
        } catch (e) {
          return (e as Error).message;
        }
        return "";
      })();
      expect(expected).not.toBe("");
      await expect(form.getByTestId("selector-error").textContent()).resolves.toBe(expected);
      await expect(form.getByRole("button", { name: "Add rule set" }).isDisabled()).resolves.toBe(true);

      await form.getByLabel("Label matchers").fill('{host=~"web-.*"}');
      await form.getByTestId("selector-error").waitFor({ state: "detached" });
      await expect(form.getByTestId("selector-matches").textContent()).resolves.toBe("matches 2 series now");
      await form.getByLabel("Threshold").fill("90");
      await form.getByRole("button", { name: "Add rule set" }).click();
      await form.getByText("Rule set added.").waitFor();

      const row = panel.locator("[data-set-id]");
      await expect.poll(() => row.count()).toBe(1);
      await expect(row.locator("code.selector").textContent()).resolves.toBe(WEB);
      await expect(row.getByTestId("set-series").textContent()).resolves.toBe("2 series");
      expect(await sets()).toEqual([expect.objectContaining({ selector: WEB, threshold: 90, series: 2 })]);
      // the form is ready for the next set
      await expect(form.getByLabel("Label matchers").inputValue()).resolves.toBe("");
    } finally {
      await page.close();
    }
  });

  it("counts a matching series created later, and changes every rule of the set at once", async () => {
    await ingestCpu(["web-3"]);
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      const panel = await openRuleSets(page);
      const row = panel.locator("[data-set-id]");
      await expect.poll(() => row.getByTestId("set-series").textContent()).toBe("3 series");
      const form = row.getByRole("form", { name: `Rule set ${WEB}` });
      await expect(form.getByLabel("Threshold").inputValue()).resolves.toBe("90");
      // the server's refusal is shown beside the form, and nothing changes
      await form.getByLabel("Threshold").fill("");
      await form.getByRole("button", { name: "Save" }).click();
      await form.locator(".error").waitFor();
      await form.getByLabel("Threshold").fill("95");
      await form.getByLabel("Duration in seconds").fill("30");
      await form.getByRole("button", { name: "Save" }).click();
      await form.getByText("Saved for 3 series.").waitFor();
      const rules = await call<Rule[]>("GET", `/api/v1/dashboards/${dashboardId}/alert-rules`);
      expect(rules.filter((r) => r.selector === WEB).map((r) => r.threshold)).toEqual([95, 95, 95]);
      expect(await sets()).toEqual([expect.objectContaining({ threshold: 95, series: 3 })]);
    } finally {
      await page.close();
    }
  });

  it("shows a viewer the sets with their series, without controls", async () => {
    const theirs = await signedInBrowser(server.url, {}, VIV);
    try {
      const page = await openLiveDashboard(theirs, server.url, dashboardId);
      const panel = await openRuleSets(page);
      const row = panel.locator("[data-set-id]");
      await expect.poll(() => row.locator(".rule-text").textContent()).toContain("above 95% for 30 s");
      await expect(row.getByTestId("set-series").textContent()).resolves.toBe("3 series");
      expect(await panel.locator("form, button.danger").count()).toBe(0);
    } finally {
      await theirs.close();
    }
  });

  it("has no serious or critical axe violation with the panel open and a selector error, in both themes", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      for (const theme of ["dark", "light"] as const) {
        const current = await page.evaluate(() => document.documentElement.dataset.theme);
        if (current !== theme) await page.getByTestId("theme-toggle").click();
        await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
        const panel = await openRuleSets(page);
        await panel.getByLabel("Label matchers").fill("{host=");
        await panel.getByTestId("selector-error").waitFor();
        expect(await seriousViolations(page), theme).toEqual([]);
        await page.keyboard.press("Escape");
        await panel.waitFor({ state: "detached" });
      }
    } finally {
      await page.close();
    }
  });

  it("deletes a set after a confirmation", async () => {
    const page = await openLiveDashboard(browser, server.url, dashboardId);
    try {
      const panel = await openRuleSets(page);
      const row = panel.locator("[data-set-id]");
      await row.getByRole("button", { name: "Delete set…" }).click();
      const confirm = row.getByRole("group", { name: "Confirm deletion" });
      await expect(confirm.textContent()).resolves.toContain("Delete the 3 rules of");
      await confirm.getByRole("button", { name: "Delete", exact: true }).click();
      await panel.getByText("No rule sets on this dashboard.").waitFor();
      expect(await sets()).toEqual([]);
      const rules = await call<Rule[]>("GET", `/api/v1/dashboards/${dashboardId}/alert-rules`);
      expect(rules).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
