// Launches Debian's chromium through playwright-core (no browser download) with the flags this
// closed network needs, in a fresh profile dir that is removed on close.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { requireBinary } from "./process.ts";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export type ChromiumHandle = { context: BrowserContext; close: () => Promise<void> };

export async function launchChromium(
  opts: { viewport?: { width: number; height: number }; downloadsPath?: string } = {},
): Promise<ChromiumHandle> {
  const executablePath = requireBinary(["/usr/bin/chromium"], "chromium");
  const profile = mkdtempSync(join(tmpdir(), "pb-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: opts.viewport ?? { width: 1440, height: 900 },
    acceptDownloads: true,
    ...(opts.downloadsPath ? { downloadsPath: opts.downloadsPath } : {}),
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Records, from now on, every Content-Security-Policy violation a page reports: the
 * `securitypolicyviolation` event, the console's report, and an uncaught error (a blocked eval
 * throws). Call before `page.goto`; read the returned list at the end.
 */
export async function recordCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => violations.push(`uncaught: ${e.message}`));
  await page.exposeFunction("__pbReportViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { __pbReportViolation(v: string): void }).__pbReportViolation(
        `${e.violatedDirective} blocked ${e.blockedURI}`,
      ),
    );
  });
  return violations;
}
