// Launches Debian's chromium through playwright-core (no browser download) with the flags this
// closed network needs, in a fresh profile dir that is removed on close.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
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
