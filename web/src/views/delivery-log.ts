// One integration's delivery log: each delivery with its status, the attempts
// behind it on request, and Redeliver. Rows are keyed by delivery and updated
// in place on every refresh, so a button keeps its focus while the log moves.
import {
  DeliveryStatus,
  type Delivery,
} from "@client/gen/inboundflow/webhooks/v1/deliveries_pb.js";
import { explain, type Api } from "../api.js";
import { fill, h } from "../dom.js";
import { EVENT_NAMES, deliveryStatus, errorKind, millis, when } from "../format.js";
import { t } from "../i18n.js";

/** Deliveries shown: the newest ones. */
const PAGE_SIZE = 25;

interface Row {
  tr: HTMLTableRowElement;
  event: HTMLElement;
  status: HTMLElement;
  attempts: HTMLElement;
  when: HTMLElement;
  redeliver: HTMLButtonElement;
  details: HTMLButtonElement;
  detailRow: HTMLTableRowElement | null;
}

export class DeliveryLog {
  readonly element: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly empty: HTMLElement;
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly api: Api,
    private readonly subscriptionId: string,
    private readonly notify: (message: string) => void,
  ) {
    this.body = h("tbody");
    this.empty = h("p", { class: "muted" }, t("loading"));
    const heading = h("h3", {}, t("log"));
    this.element = h(
      "section",
      { class: "log", "aria-label": t("log") },
      heading,
      this.empty,
      h(
        "table",
        { class: "log-table" },
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, t("event")), h("th", { scope: "col" }, t("status")), h("th", { scope: "col" }, t("attempts")), h("th", { scope: "col" }, t("when")), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("details")))),
        ),
        this.body,
      ),
    );
  }

  async refresh(): Promise<void> {
    const page = await this.api.deliveries.listDeliveries({ subscriptionId: this.subscriptionId, pageSize: PAGE_SIZE });
    this.empty.textContent = t("logEmpty");
    this.empty.hidden = page.deliveries.length > 0;
    const seen = new Set<string>();
    let previous: Element | null = null;
    for (const delivery of page.deliveries) {
      seen.add(delivery.id);
      const row = this.rows.get(delivery.id) ?? this.newRow(delivery);
      this.update(row, delivery);
      // Newest first: keep the table in the service's order.
      const anchor: Element | null = previous ? previous.nextElementSibling : this.body.firstElementChild;
      if (anchor !== row.tr) this.body.insertBefore(row.tr, anchor);
      previous = row.detailRow ?? row.tr;
      if (row.detailRow && row.tr.nextElementSibling !== row.detailRow) row.tr.after(row.detailRow);
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        row.detailRow?.remove();
        this.rows.delete(id);
      }
    }
    await Promise.all([...this.rows.entries()].filter(([, row]) => row.detailRow).map(([id]) => this.loadAttempts(id)));
  }

  private newRow(delivery: Delivery): Row {
    const details = h("button", { type: "button", class: "link", "aria-expanded": "false" }, t("details"));
    const redeliver = h("button", { type: "button", class: "secondary small" }, t("redeliver"));
    const row: Row = {
      tr: h("tr", { "data-delivery-id": delivery.id }),
      event: h("td", { "data-label": t("event") }),
      status: h("td", { "data-label": t("status") }),
      attempts: h("td", { "data-label": t("attempts") }),
      when: h("td", { "data-label": t("when") }),
      redeliver,
      details,
      detailRow: null,
    };
    row.tr.append(row.event, row.status, row.attempts, row.when, h("td", { class: "row-actions" }, details, redeliver));
    details.addEventListener("click", () => void this.toggle(delivery.id));
    redeliver.addEventListener("click", () => void this.redeliver(delivery.id, redeliver));
    this.rows.set(delivery.id, row);
    return row;
  }

  private update(row: Row, d: Delivery): void {
    const status = deliveryStatus(d.status);
    fill(row.event, h("span", {}, h("code", {}, EVENT_NAMES.get(d.eventType) ?? ""), d.test ? h("span", { class: "tag" }, t("testDelivery")) : null));
    // One child per cell: phone width lays cells out as label and value.
    fill(
      row.status,
      h("span", {}, h("span", { class: `badge ${status.tone}` }, status.word), d.lastError ? h("span", { class: "muted small", title: errorKind(d.lastErrorKind) }, ` ${d.lastError}`) : null),
    );
    row.attempts.textContent = String(d.attemptCount);
    row.when.textContent = when(d.createTime);
    // Test deliveries cannot be sent again, nor one being sent right now.
    row.redeliver.hidden = d.test;
    row.redeliver.disabled = d.status === DeliveryStatus.IN_FLIGHT;
  }

  private async toggle(id: string): Promise<void> {
    const row = this.rows.get(id);
    if (!row) return;
    if (row.detailRow) {
      row.detailRow.remove();
      row.detailRow = null;
      row.details.setAttribute("aria-expanded", "false");
      return;
    }
    row.detailRow = h("tr", { class: "detail-row" }, h("td", { colspan: 5 }, t("loading")));
    row.tr.after(row.detailRow);
    row.details.setAttribute("aria-expanded", "true");
    await this.loadAttempts(id);
  }

  private async loadAttempts(id: string): Promise<void> {
    const row = this.rows.get(id);
    const cell = row?.detailRow?.firstElementChild;
    if (!cell) return;
    try {
      const { delivery } = await this.api.deliveries.getDelivery({ deliveryId: id });
      const attempts = delivery?.attempts ?? [];
      fill(
        cell,
        h(
          "ol",
          { class: "attempts" },
          ...attempts.map((a) =>
            h(
              "li",
              {},
              h("strong", {}, t("attempt", { n: a.number })),
              ` · ${when(a.startTime)} · ${a.statusCode ? `HTTP ${a.statusCode}` : t("noAnswer")} · ${millis(a.duration)}`,
              a.error ? h("div", { class: "attempt-error", title: errorKind(a.errorKind) }, a.error) : null,
              a.responseBodyExcerpt ? h("pre", { class: "answer" }, a.responseBodyExcerpt.slice(0, 300)) : null,
            ),
          ),
        ),
        delivery?.nextAttemptTime && delivery.status === DeliveryStatus.PENDING ? h("p", { class: "muted small" }, `${t("nextAttempt")}: ${when(delivery.nextAttemptTime)}`) : null,
      );
    } catch (err) {
      fill(cell, explain(err));
    }
  }

  private async redeliver(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await this.api.deliveries.redeliverDelivery({ deliveryId: id });
      this.notify(t("redelivered"));
      await this.refresh();
    } catch (err) {
      this.notify(explain(err));
    } finally {
      button.disabled = false;
    }
  }
}
