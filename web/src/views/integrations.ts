// The page: the organization's integrations, newest first, kept fresh by
// polling while the page is visible, and the Connect button.
import type { Subscription } from "@client/gen/inboundflow/webhooks/v1/subscriptions_pb.js";
import { explain } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { Card } from "./card.js";
import { openConnectDialog, type DialogDeps } from "./connect-dialog.js";

/** How often the list and open logs are refreshed while visible. */
const REFRESH_MS = 2000;
/** The most integrations listed (an organization may have up to 1000). */
const MAX_PAGES = 10;

export class IntegrationsPage {
  readonly element: HTMLElement;
  private readonly list = h("div", { class: "cards" });
  private readonly message = h("p", { class: "muted" }, t("loading"));
  private readonly cards = new Map<string, Card>();
  private timer: number | undefined;
  private loading: Promise<void> | null = null;
  private readonly deps: DialogDeps;

  constructor(deps: Omit<DialogDeps, "changed">) {
    this.deps = { ...deps, changed: () => void this.refresh() };
    const connect = h("button", { type: "button", class: "primary" }, `+ ${t("connect")}`);
    connect.addEventListener("click", () => openConnectDialog(this.deps, undefined));
    this.element = h(
      "div",
      { class: "page" },
      h("header", { class: "page-head" }, h("div", {}, h("h1", {}, t("title")), h("p", { class: "muted" }, t("subtitle"))), connect),
      this.message,
      this.list,
    );
  }

  /** Starts refreshing; stops while the page is hidden. */
  start(): void {
    void this.refresh();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") void this.refresh();
    });
    this.timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void this.refresh();
    }, REFRESH_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
  }

  /** Loads the integrations (one load at a time) and updates the cards. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    let subs: Subscription[];
    try {
      subs = await this.fetchAll();
    } catch (err) {
      this.message.textContent = explain(err);
      this.message.hidden = false;
      return;
    }
    this.message.textContent = subs.length === 0 ? t("empty") : "";
    this.message.hidden = subs.length > 0;
    const keep = new Set(subs.map((s) => s.id));
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        card.element.remove();
        this.cards.delete(id);
      }
    }
    const ordered: HTMLElement[] = [];
    for (const sub of subs) {
      let card = this.cards.get(sub.id);
      if (card) card.update(sub);
      else {
        card = new Card(sub, this.deps);
        this.cards.set(sub.id, card);
      }
      ordered.push(card.element);
    }
    // Re-append only when the order changed, so focus inside a card stays.
    const current = [...this.list.children];
    if (current.length !== ordered.length || current.some((el, i) => el !== ordered[i])) fill(this.list, ...ordered);
    await Promise.all([...this.cards.values()].map((c) => c.refreshLog().catch(() => undefined)));
  }

  private async fetchAll(): Promise<Subscription[]> {
    const all: Subscription[] = [];
    let pageToken = "";
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const response = await this.deps.api.subscriptions.listSubscriptions({ pageSize: 100, pageToken });
      all.push(...response.subscriptions);
      pageToken = response.nextPageToken;
      if (!pageToken) break;
    }
    return all;
  }
}
