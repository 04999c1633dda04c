import { fileURLToPath } from "node:url";
import { launchChromium } from "@pulseboard/test-support";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeDashboardServer, startFakeDashboardServer } from "./fake-dashboard-server.ts";
import { sleep, until } from "./helpers.ts";

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser["context"]["newPage"]>>;

let browser: Browser;
let bundle: string;
let server: FakeDashboardServer;
let page: Page;

beforeAll(async () => {
  const out = await build({
    entryPoints: [fileURLToPath(new URL("./browser/hook-app.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  bundle = out.outputFiles[0]!.text;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  server = await startFakeDashboardServer();
});
afterEach(async () => {
  await page?.close();
  await server.close();
});

async function open(dashboardId: number): Promise<void> {
  page = await browser.context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.setContent('<!doctype html><html><body><div id="root"></div></body></html>');
  await page.evaluate(
    ([baseUrl, id]) => {
      window.PB = { baseUrl, dashboardId: id };
    },
    [`ws://127.0.0.1:${server.port}`, dashboardId] as [string, number],
  );
  await page.addScriptTag({ content: bundle });
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
}

const text = (id: string) => page.locator(`#${id}`).textContent();
const waitText = (id: string, expected: string) =>
  page
    .locator(`#${id}`)
    .filter({ hasText: new RegExp(`^${expected}$`) })
    .waitFor({ timeout: 5000 });

describe("useDashboard in a browser", () => {
  it("renders state, config and live points over the browser's WebSocket, one connection under StrictMode", async () => {
    await open(1);
    await waitText("state", "open");
    await waitText("config", "Main");
    await until(() => server.received.some((m) => m.action === "subscribe"), "the hook subscribed");
    server.push(1, 5);
    server.push(1, 6);
    await waitText("points", "5,6");
    await sleep(100);
    expect(server.connections).toBe(1); // StrictMode's extra mount closed its client
  });

  it("pause() and resume() reach the server and flip paused", async () => {
    await open(1);
    await waitText("state", "open");
    await page.click("#pause");
    await waitText("paused", "true");
    await page.click("#resume");
    await waitText("paused", "false");
    await until(() => server.received.some((m) => m.action === "resume_stream"), "resume_stream");
    expect(server.received.filter((m) => m.action === "pause" || m.action === "resume_stream")).toEqual([
      { action: "pause", payload: null },
      { action: "resume_stream", payload: null },
    ]);
  });

  it("shows a refused dashboard as a denied state with its error code", async () => {
    await open(9);
    await waitText("error", "PB_ERR_CLIENT_NOT_FOUND");
    expect(await text("state")).toBe("denied");
  });
});
