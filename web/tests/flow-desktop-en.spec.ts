// The flow at desktop width in English, with the token in the page's URL.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import type { Browser } from "playwright-core";

import { connectTestAndSave, deliverFailReactivate, type FlowContext } from "./flow.js";
import { lowContrast } from "./harness/a11y.js";
import { launch, shot } from "./harness/browser.js";
import { Receiver } from "./harness/receiver.js";
import { Service } from "./harness/service.js";
import { countIs, until } from "./harness/wait.js";
import { EN } from "./words.js";

let service: Service;
let receiver: Receiver;
let chromium: { browser: Browser; close(): Promise<void> };

before(async () => {
  [service, receiver, chromium] = await Promise.all([Service.start([]), Receiver.start(), launch()]);
});
after(async () => {
  await Promise.all([chromium?.close(), receiver?.close(), service?.stop()]);
});

test("without a token the page says where to open it from", async () => {
  const context = await chromium.browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(`${service.origin}/integrations`);
  await page.getByText(EN.noToken).waitFor();
  await context.close();
});

test("a customer connects, tests, saves, watches deliveries, and recovers a disabled integration", async () => {
  const adminKey = service.key("admin", "org_desktop");
  const token = await service.embedToken(adminKey);
  const context = await chromium.browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: service.origin });
  const page = await context.newPage();
  await page.goto(`${service.origin}/integrations#token=${token}`);
  // The token leaves the address bar at once.
  await page.waitForFunction(() => window.location.hash === "");
  const flow: FlowContext = { page, ui: page, service, receiver, adminKey, words: EN, name: "desktop-en", readClipboard: true };
  await connectTestAndSave(flow);
  await deliverFailReactivate(flow);
  await context.close();
});

test("the page works from the keyboard, and in the dark scheme keeps its contrast", async () => {
  const adminKey = service.key("admin", "org_keyboard");
  const token = await service.embedToken(adminKey);
  const context = await chromium.browser.newContext({ locale: "en-US", colorScheme: "dark" });
  const page = await context.newPage();
  await page.goto(`${service.origin}/integrations#token=${token}`);
  await page.getByText(EN.empty).waitFor();
  assert.deepEqual(await lowContrast(page), [], "dark scheme contrast");
  // Tab reaches Connect; Enter opens the dialog with focus inside it.
  await until("Connect has the focus", async () => {
    await page.keyboard.press("Tab");
    return (await page.evaluate(() => document.activeElement?.textContent)) === EN.connect;
  }, 5000);
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: EN.connectTitle });
  await dialog.waitFor();
  assert.ok(await page.evaluate(() => document.activeElement?.closest("dialog") !== null), "focus is in the dialog");
  // Arrow keys move between kinds; Escape closes without saving anything.
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).type), "radio");
  await page.keyboard.press("Escape");
  await countIs(page.getByRole("dialog"), 0, "the dialog closed");
  assert.equal(await page.locator("article.card").count(), 0);
  await page.screenshot({ path: shot("desktop-en-07-dark"), fullPage: true });
  await context.close();
});
