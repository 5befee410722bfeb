// One integration on the page: what it is, how it is doing (status, why it
// is disabled, failures in a row, last success, last error), and what can be
// done with it. Built once and updated in place on every refresh.
import {
  SubscriptionStatus,
  type Subscription,
} from "@client/gen/inboundflow/webhooks/v1/subscriptions_pb.js";
import { explain } from "../api.js";
import { fill, h, uid } from "../dom.js";
import { EVENT_NAMES, disabledReason, errorKind, kindName, when } from "../format.js";
import { t } from "../i18n.js";
import { openConnectDialog, type DialogDeps } from "./connect-dialog.js";
import { DeliveryLog } from "./delivery-log.js";
import { openReactivateDialog } from "./reactivate-dialog.js";
import { testResult } from "./test-result.js";

export class Card {
  readonly element: HTMLElement;
  private sub: Subscription;
  private log: DeliveryLog | null = null;
  private readonly title = h("h2", { class: "card-title" });
  private readonly kind = h("span", { class: "muted" });
  private readonly badge = h("span", { class: "badge" });
  private readonly url = h("code", { class: "url" });
  private readonly events = h("ul", { class: "chips" });
  private readonly failures = h("dd", { "data-fact": "failures" });
  private readonly lastSuccess = h("dd", { "data-fact": "last-success" });
  private readonly lastError = h("dd", { "data-fact": "last-error" });
  private readonly disabledBox = h("div", { class: "disabled-box", hidden: true });
  private readonly disabledText = h("p", {});
  private readonly testArea = h("div", { role: "status", "aria-live": "polite" });
  private readonly logArea = h("div", { id: uid("log"), hidden: true });
  private readonly logButton: HTMLButtonElement;
  private readonly testButton: HTMLButtonElement;

  constructor(
    sub: Subscription,
    private readonly deps: DialogDeps,
  ) {
    this.sub = sub;
    const reactivate = h("button", { type: "button", class: "primary" }, t("reactivate"));
    reactivate.addEventListener("click", () => openReactivateDialog(deps.api, this.sub, deps.notify, deps.changed));
    this.disabledBox.append(this.disabledText, reactivate);

    this.testButton = h("button", { type: "button", class: "secondary" }, t("test"));
    this.testButton.addEventListener("click", () => void this.test());
    this.logButton = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": this.logArea.id }, t("log"));
    this.logButton.addEventListener("click", () => void this.toggleLog());
    const edit = h("button", { type: "button", class: "secondary" }, t("edit"));
    edit.addEventListener("click", () => openConnectDialog(deps, this.sub));
    const remove = h("button", { type: "button", class: "danger" }, t("delete"));
    remove.addEventListener("click", () => void this.remove());

    this.element = h(
      "article",
      { class: "card", "data-subscription-id": sub.id },
      h("header", { class: "card-head" }, h("div", {}, this.title, this.kind), this.badge),
      this.url,
      this.events,
      this.disabledBox,
      h("dl", { class: "facts" }, h("dt", {}, t("failures")), this.failures, h("dt", {}, t("lastSuccess")), this.lastSuccess, h("dt", {}, t("lastError")), this.lastError),
      h("div", { class: "actions wrap" }, this.testButton, this.logButton, edit, remove),
      this.testArea,
      this.logArea,
    );
    this.update(sub);
  }

  get id(): string {
    return this.sub.id;
  }

  update(sub: Subscription): void {
    this.sub = sub;
    const name = sub.description || kindName(sub.integration);
    this.title.textContent = name;
    this.element.setAttribute("aria-label", name);
    this.kind.textContent = sub.description ? kindName(sub.integration) : "";
    const enabled = sub.status === SubscriptionStatus.ENABLED;
    this.badge.textContent = enabled ? t("enabled") : t("disabled");
    this.badge.className = `badge ${enabled ? "ok" : "bad"}`;
    this.url.textContent = sub.url;
    fill(this.events, ...sub.eventTypes.map((type) => h("li", {}, h("code", {}, EVENT_NAMES.get(type) ?? ""))));
    this.disabledBox.hidden = enabled;
    this.disabledText.textContent = enabled ? "" : `${t("disabled")}: ${disabledReason(sub.disabledReason)}`;
    this.failures.textContent = String(sub.consecutiveFailures);
    this.lastSuccess.textContent = when(sub.lastSuccessTime);
    this.lastError.textContent = sub.lastError ? `${sub.lastError} (${when(sub.lastFailureTime)})` : "–";
    this.lastError.title = errorKind(sub.lastErrorKind);
  }

  /** Refreshes the open delivery log, if any. */
  async refreshLog(): Promise<void> {
    await this.log?.refresh();
  }

  private async test(): Promise<void> {
    this.testButton.disabled = true;
    fill(this.testArea, h("p", {}, t("testing")));
    try {
      const result = await this.deps.api.subscriptions.testSubscription({ subscriptionId: this.sub.id });
      fill(this.testArea, testResult(result));
      this.deps.changed();
    } catch (err) {
      fill(this.testArea, h("p", { class: "form-error" }, explain(err)));
    } finally {
      this.testButton.disabled = false;
    }
  }

  private async toggleLog(): Promise<void> {
    const open = this.logArea.hidden;
    this.logArea.hidden = !open;
    this.logButton.setAttribute("aria-expanded", String(open));
    this.logButton.textContent = open ? t("hideLog") : t("log");
    if (!open) return;
    if (!this.log) {
      this.log = new DeliveryLog(this.deps.api, this.sub.id, this.deps.notify);
      this.logArea.append(this.log.element);
    }
    try {
      await this.log.refresh();
    } catch (err) {
      this.deps.notify(explain(err));
    }
  }

  private async remove(): Promise<void> {
    if (!window.confirm(t("deleteConfirm"))) return;
    try {
      await this.deps.api.subscriptions.deleteSubscription({ subscriptionId: this.sub.id });
      this.deps.notify(t("deleted"));
      this.deps.changed();
    } catch (err) {
      this.deps.notify(explain(err));
    }
  }
}
