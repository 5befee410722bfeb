// Embedding, proven in the browser: a framing host on a configured origin
// gets a fresh token when one expires; a host on any other origin can
// neither frame the page nor call the API (CORS); gRPC-Web calls from the
// configured origin read their status.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import type { Browser, Page } from "playwright-core";

import { launch, shot } from "./harness/browser.js";
import { Host } from "./harness/host.js";
import { Service } from "./harness/service.js";
import { until } from "./harness/wait.js";
import { EN } from "./words.js";

let service: Service;
let host: Host;
let adminKey: string;
let mints = 0;
let chromium: { browser: Browser; close(): Promise<void> };

before(async () => {
  // The first token lives 2 s, later ones an hour.
  host = await Host.start(
    () => ({ service: service.origin, query: "lang=en" }),
    () => {
      mints += 1;
      return service.embedToken(adminKey, mints === 1 ? 2 : undefined);
    },
  );
  [service, chromium] = await Promise.all([Service.start([host.origin]), launch()]);
  adminKey = service.key("admin", "org_embed");
});
after(async () => {
  await Promise.all([chromium?.close(), service?.stop(), host?.close()]);
});

async function hostLog(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { hostLog: string[] }).hostLog);
}

/** A gRPC-Web ListSubscriptions from `page`'s origin: its grpc-status, or the fetch error. */
function listFrom(page: Page, service: string, token: string): Promise<string> {
  return page.evaluate(
    async ({ service, token }) => {
      try {
        const response = await fetch(`${service}/inboundflow.webhooks.v1.SubscriptionService/ListSubscriptions`, {
          method: "POST",
          headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", authorization: `Bearer ${token}` },
          body: new Uint8Array([0, 0, 0, 0, 0]),
        });
        await response.arrayBuffer();
        return `status ${response.status}, grpc-status ${response.headers.get("grpc-status") ?? "in trailers"}`;
      } catch (err) {
        return `refused: ${String(err)}`;
      }
    },
    { service, token },
  );
}

test("an expired token is replaced by the host without the customer noticing", async () => {
  const context = await chromium.browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(host.origin);
  const ui = page.frameLocator("#integrations");
  await ui.getByText(EN.empty).waitFor();
  await until("the page asks for a fresh token", async () => (await hostLog(page)).includes("inboundflow:token-expired"));
  await until("the host minted a second token", () => mints >= 2);
  // The page carries on with the new token: its next refresh succeeds.
  await page.waitForTimeout(2500);
  await ui.getByText(EN.empty).waitFor();
  assert.equal(await ui.getByText("Your session expired").count(), 0);
  await page.screenshot({ path: shot("embed-01-framed"), fullPage: true });
  await context.close();
});

test("only the configured origin may frame the page and call the API", async () => {
  const token = await service.embedToken(adminKey);
  const context = await chromium.browser.newContext({ locale: "en-US" });
  const allowed = await context.newPage();
  await allowed.goto(host.origin);
  assert.match(await listFrom(allowed, service.origin, token), /^status 200/);

  // Same host page, another origin (localhost is not 127.0.0.1).
  const other = await context.newPage();
  const otherOrigin = host.origin.replace("127.0.0.1", "localhost");
  await other.goto(otherOrigin);
  assert.match(await listFrom(other, service.origin, token), /^refused/);
  await other.waitForTimeout(1000);
  assert.deepEqual(await hostLog(other), [], "the framed page never started");
  const framed = other.frames().find((f) => f !== other.mainFrame());
  assert.ok(framed, "the frame exists");
  assert.equal(await framed.locator("#app").count(), 0, "the page was not rendered inside it");
  await context.close();
});
