// The customer's whole flow on the Integrations page, against the real
// service and a real receiver: connect a Custom Webhook (bad URLs refused,
// by the page as typed and by the service on the field it names), test it,
// save it and copy its secret, emit events and watch them in the delivery
// log, make the receiver fail until the integration is disabled and see why,
// reactivate it and see the backlog delivered, redeliver one delivery.
// Screenshots of each state go to the artefacts folder.
import assert from "node:assert/strict";

import type { FrameLocator, Page } from "playwright-core";

import { lowContrast, unnamedControls } from "./harness/a11y.js";
import { shot } from "./harness/browser.js";
import type { Receiver } from "./harness/receiver.js";
import type { Service } from "./harness/service.js";
import { countIs, textOf, until } from "./harness/wait.js";
import type { Words } from "./words.js";

export interface FlowContext {
  page: Page;
  /** Where the integrations page is: the page itself, or a frame of the host. */
  ui: Page | FrameLocator;
  service: Service;
  receiver: Receiver;
  /** Key of the organization's dashboard backend (emits events). */
  adminKey: string;
  words: Words;
  /** Screenshot name prefix. */
  name: string;
  /** Whether the clipboard can be read back (not from inside a cross-origin frame). */
  readClipboard: boolean;
}

export async function connectTestAndSave({ page, ui, receiver, words: W, name, readClipboard }: FlowContext): Promise<void> {
  await ui.getByText(W.empty).waitFor();
  await page.screenshot({ path: shot(`${name}-01-empty`), fullPage: true });

  await ui.getByRole("button", { name: W.connect }).click();
  const dialog = ui.getByRole("dialog", { name: W.connectTitle });
  await dialog.getByRole("radio", { name: new RegExp(W.custom) }).check();
  const url = dialog.getByLabel(W.url, { exact: true });

  // Checked as it is typed.
  await url.fill("ftp://example.com/hook");
  await dialog.getByText(W.notHttps).waitFor();
  assert.equal(await url.getAttribute("aria-invalid"), "true");
  await url.fill("https://");
  assert.equal(await dialog.getByText(W.notHttps).count(), 0, "no error while https:// is being typed");

  // The service's refusal is shown on the field it names.
  await url.fill("https://user:secret@example.com/hook");
  await dialog.getByRole("button", { name: W.test }).click();
  await dialog.getByText("must not contain a user name or password").waitFor();
  assert.equal(await url.getAttribute("aria-invalid"), "true");
  await page.screenshot({ path: shot(`${name}-02-field-error`), fullPage: true });

  await url.fill(receiver.url);
  await dialog.getByRole("checkbox", { name: new RegExp(W.leadCreated) }).check();
  await dialog.getByRole("button", { name: W.test }).click();
  await dialog.getByText(W.testOk).waitFor();
  assert.equal(await textOf(dialog.locator('[data-fact="status-code"]')), "200");
  assert.match(await textOf(dialog.locator('[data-fact="latency"]')), /^\d+ ms$/);
  assert.match(await textOf(dialog.locator("pre.answer")), /"ok":true/);
  assert.equal(receiver.received.length, 1, "the test webhook reached the receiver");
  await accessible(page, ui === page ? page : undefined, `${name} connect dialog`);
  const secret = await textOf(dialog.locator("code.secret"));
  assert.match(secret, /^whsec_/);
  await page.screenshot({ path: shot(`${name}-03-tested`), fullPage: true });

  await dialog.getByRole("button", { name: W.save }).click();
  await ui.getByText(W.saved).waitFor();
  await dialog.getByRole("button", { name: W.copy }).click();
  await dialog.getByRole("button", { name: W.copied }).waitFor();
  if (readClipboard) {
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  }
  await dialog.getByRole("button", { name: W.close }).click();
  await countIs(ui.getByRole("dialog"), 0, "the dialog closed");
  const card = ui.locator("article.card");
  await countIs(card, 1, "one integration");
  await card.locator(".badge", { hasText: W.active }).waitFor();
}

export async function deliverFailReactivate({ page, ui, service, receiver, adminKey, words: W, name }: FlowContext): Promise<void> {
  const card = ui.locator("article.card");
  await card.getByRole("button", { name: W.log }).click();
  const rows = card.locator("tr[data-delivery-id]");
  await countIs(rows, 1, "the test delivery in the log");

  await service.emitCall(adminKey, `${name}-ok-1`);
  await service.emitCall(adminKey, `${name}-ok-2`);
  await countIs(rows.filter({ hasText: W.delivered }), 3, "delivered rows");
  await rows.nth(0).getByRole("button", { name: W.details }).click();
  await card.getByText(W.attempt1).waitFor();
  await card.getByText("HTTP 200").first().waitFor();
  await page.screenshot({ path: shot(`${name}-04-delivered`), fullPage: true });

  // The receiver fails until the integration is disabled (3 failures here).
  receiver.failing = true;
  await service.emitCall(adminKey, `${name}-failing`);
  await card.locator(".badge", { hasText: W.disabled }).waitFor();
  await card.getByText(W.tooManyFailures).waitFor();
  assert.match(await textOf(card.locator('[data-fact="last-error"]')), /500/);
  assert.equal(await textOf(card.locator('[data-fact="failures"]')), "3");
  // Emitted while disabled: only a replay brings these.
  await service.emitCall(adminKey, `${name}-missed-1`);
  await service.emitCall(adminKey, `${name}-missed-2`);
  await page.screenshot({ path: shot(`${name}-05-disabled`), fullPage: true });
  await accessible(page, ui === page ? page : undefined, `${name} with a disabled integration`);

  receiver.failing = false;
  await card.getByRole("button", { name: W.reactivate }).click();
  const dialog = ui.getByRole("dialog", { name: W.reactivateTitle });
  assert.ok(await dialog.getByRole("checkbox").isChecked(), "replay is proposed");
  await dialog.getByRole("button", { name: W.reactivate }).click();
  await ui.getByText(W.replayed).waitFor();
  const toast = await textOf(ui.locator(".toast"));
  assert.equal(toast.match(W.replayed)?.[1], "2", toast);
  await card.locator(".badge", { hasText: W.active }).waitFor();
  const backlog = [`${name}-failing`, `${name}-missed-1`, `${name}-missed-2`];
  await until("the backlog reaches the receiver", () => backlog.every((id) => receiver.callIds().includes(id)));
  await countIs(rows.filter({ hasText: W.delivered }), 6, "every delivery delivered");
  await page.screenshot({ path: shot(`${name}-06-reactivated`), fullPage: true });

  // Redeliver sends one again, with its delivery id.
  const before = receiver.received.length;
  const newest = rows.nth(0);
  const deliveryId = await newest.getAttribute("data-delivery-id");
  await newest.getByRole("button", { name: W.redeliver }).click();
  await ui.getByText(W.redelivered).waitFor();
  await until("the redelivery arrives", () => receiver.received.length > before);
  assert.equal(receiver.received.filter((r) => r.deliveryId === deliveryId).length, 2);
}

/** Every control has a name and every text 4.5:1 contrast, in the page or its frame. */
async function accessible(page: Page, direct: Page | undefined, what: string): Promise<void> {
  const target = direct ?? page.frames().find((f) => f !== page.mainFrame());
  assert.ok(target, "the integrations page");
  assert.deepEqual(await unnamedControls(target), [], `controls without a name: ${what}`);
  assert.deepEqual(await lowContrast(target), [], `text under 4.5:1 contrast: ${what}`);
}
