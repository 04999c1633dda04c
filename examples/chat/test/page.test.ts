// Specification of the chat's browser pages in headless Chromium over a real socket: two pages
// chat with each other, hostile strings are shown as text, the strict CSP holds; and /docs shows
// the chat's API, rendered by the framework's AsyncAPI page.
import { ensurePageBuilt } from "@pulseboard/asyncapi-page/build";
import { type ChromiumHandle, launchChromium, recordCspViolations } from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChat } from "../src/app.ts";

let app: ChatApp;
let chromium: ChromiumHandle;

beforeAll(async () => {
  ensurePageBuilt();
  app = await startChat();
  chromium = await launchChromium({ viewport: { width: 1000, height: 800 } });
});
afterAll(async () => {
  await chromium?.close();
  await app?.close();
});

/** A page that joined `room` as `name`, with the CSP violations and dialogs it reports. */
async function joined(room: string, name: string) {
  const page = await chromium.context.newPage();
  const violations = await recordCspViolations(page);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`http://127.0.0.1:${app.port}/chat/${room}/`);
  await page.fill("#name", name);
  await page.click("#join button");
  await page.waitForSelector("body[data-joined=true]");
  return { page, violations, dialogs };
}

async function say(page: Page, text: string) {
  await page.fill("#text", text);
  await page.click("#send button");
}

const lines = (page: Page) => page.$$eval("#log div", (els) => els.map((e) => e.textContent));

describe("the chat page", () => {
  it("lets two pages chat with each other in a room", async () => {
    const alice = await joined("Tea_Room.1", "alice");
    const bob = await joined("Tea_Room.1", "bob");
    try {
      await alice.page.waitForFunction(() =>
        document.querySelector("#log")?.textContent?.includes("bob joined"),
      );
      await say(alice.page, "hi bob");
      await bob.page.waitForFunction(() =>
        document.querySelector("#log")?.textContent?.includes("alice: hi bob"),
      );
      await say(bob.page, "hi alice");
      await alice.page.waitForFunction(() =>
        document.querySelector("#log")?.textContent?.includes("bob: hi alice"),
      );
      expect(await alice.page.textContent("#room")).toBe("Tea_Room.1");
      // Each side shows its own line once, as "me:", and the other's as "name: text", in order.
      expect((await lines(alice.page)).filter((l) => !l?.startsWith("joined"))).toEqual([
        "bob joined",
        "me: hi bob",
        "bob: hi alice",
      ]);
      expect((await lines(bob.page)).filter((l) => !l?.startsWith("joined"))).toEqual([
        "alice: hi bob",
        "me: hi alice",
      ]);
      expect([...alice.violations, ...bob.violations]).toEqual([]);
    } finally {
      await alice.page.close();
      await bob.page.close();
    }
  });

  it("shows hostile strings as text: no element is made from them, no script runs", async () => {
    const mallory = await joined("xss", "<b>mallory</b>");
    const victim = await joined("xss", "victim");
    try {
      const hostile = '<img src=x id=pwned onerror="alert(1)"><script>alert(2)</script>';
      await say(mallory.page, hostile);
      await victim.page.waitForFunction(() => document.querySelectorAll("#log div").length >= 2);
      await victim.page.waitForFunction(
        (text) => [...document.querySelectorAll("#log div")].some((d) => d.textContent === text),
        `<b>mallory</b>: ${hostile}`,
      );
      expect(await victim.page.$("#pwned")).toBeNull();
      expect(await victim.page.$$eval("#log img, #log script, #log b", (els) => els.length)).toBe(0);
      expect(await mallory.page.$$eval("#log img, #log script", (els) => els.length)).toBe(0);
      expect([...victim.dialogs, ...mallory.dialogs]).toEqual([]);
      expect([...victim.violations, ...mallory.violations]).toEqual([]);
    } finally {
      await mallory.page.close();
      await victim.page.close();
    }
  });
});

describe("the chat's /docs", () => {
  it("renders the chat consumer's messages with the framework's AsyncAPI page, with no CSP violation", async () => {
    const page = await chromium.context.newPage();
    try {
      const violations = await recordCspViolations(page);
      await page.goto(`http://127.0.0.1:${app.port}/docs`);
      await page.waitForSelector("#messages li[id^='message-']");
      const ids = await page.$$eval("[id]", (els) => els.map((e) => e.id));
      expect(ids).toEqual(
        expect.arrayContaining([
          "operation-receive-chat.receive",
          "operation-send-chat.send",
          "message-chat.client.new_chat_message",
          "message-chat.server.new_chat_message",
          "message-chat.server.notice",
        ]),
      );
      const example = await page.textContent("[id='message-chat.client.new_chat_message']");
      expect(example?.replace(/\s+/g, "")).toContain(
        '{"action":"new_chat_message","payload":{"message":"Helloeveryone!","name":"Alice"}}',
      );
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
