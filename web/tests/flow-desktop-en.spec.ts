// The flow at desktop width in English, with the token in the page's URL.
import { after, before, test } from "node:test";

import type { Browser } from "playwright-core";

import { connectTestAndSave, deliverFailReactivate, type FlowContext } from "./flow.js";
import { launch } from "./harness/browser.js";
import { Receiver } from "./harness/receiver.js";
import { Service } from "./harness/service.js";
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
