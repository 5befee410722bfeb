// The flow at phone width in Spanish (chosen from the browser's language),
// inside the host dashboard's frame, with the token posted by the host.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import type { Browser } from "playwright-core";

import { connectTestAndSave, deliverFailReactivate, type FlowContext } from "./flow.js";
import { launch } from "./harness/browser.js";
import { Host } from "./harness/host.js";
import { Receiver } from "./harness/receiver.js";
import { Service } from "./harness/service.js";
import { ES } from "./words.js";

let service: Service;
let host: Host;
let receiver: Receiver;
let adminKey: string;
let chromium: { browser: Browser; close(): Promise<void> };

before(async () => {
  host = await Host.start(() => ({ service: service.origin }), () => service.embedToken(adminKey));
  [service, receiver, chromium] = await Promise.all([Service.start([host.origin]), Receiver.start(), launch()]);
  adminKey = service.key("admin", "org_phone");
});
after(async () => {
  await Promise.all([chromium?.close(), receiver?.close(), service?.stop(), host?.close()]);
});

test("en el móvil y en español, dentro del panel: conectar, probar, guardar, entregar y reactivar", async () => {
  const context = await chromium.browser.newContext({
    locale: "es-ES",
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: service.origin });
  const page = await context.newPage();
  await page.goto(host.origin);
  const ui = page.frameLocator("#integrations");
  const flow: FlowContext = { page, ui, service, receiver, adminKey, words: ES, name: "phone-es", readClipboard: false };
  await connectTestAndSave(flow);
  assert.equal(await ui.locator("html").getAttribute("lang"), "es");
  // Nothing is wider than the phone.
  const frame = page.frames().find((f) => f.url().startsWith(service.origin));
  assert.ok(frame, "the page is framed");
  const overflow = await frame.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await deliverFailReactivate(flow);
  await context.close();
});
