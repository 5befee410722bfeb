// Reactivating a disabled integration: waiting deliveries resume, and, if the
// customer wants (the default), events it never got since its last success
// are replayed, including those emitted while it was disabled.
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";

import type { Subscription } from "@client/gen/inboundflow/webhooks/v1/subscriptions_pb.js";
import { explain, type Api } from "../api.js";
import { h, uid } from "../dom.js";
import { disabledReason, when } from "../format.js";
import { t } from "../i18n.js";

export function openReactivateDialog(
  api: Api,
  sub: Subscription,
  notify: (message: string) => void,
  changed: () => void,
): void {
  const titleId = uid("reactivate-title");
  const since: Timestamp = sub.lastSuccessTime ?? sub.createTime ?? timestampFromDate(new Date(0));
  const replay = h("input", { type: "checkbox", checked: true });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const confirm = h("button", { type: "submit", class: "primary" }, t("reactivate"));
  const cancel = h("button", { type: "button", class: "secondary" }, t("cancel"));
  const dialog = h(
    "dialog",
    { class: "dialog narrow", "aria-labelledby": titleId },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: titleId }, t("reactivateTitle")),
      h("p", {}, h("strong", {}, disabledReason(sub.disabledReason))),
      sub.lastError ? h("p", { class: "muted" }, `${t("lastError")}: ${sub.lastError}`) : null,
      h("p", {}, t("reactivateBody")),
      h("label", { class: "check" }, replay, h("span", {}, `${t("replayMissed")} (${when(since)})`)),
      error,
      h("div", { class: "actions" }, h("span", { class: "spacer" }), cancel, confirm),
    ),
  );
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  dialog.querySelector("form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    confirm.disabled = true;
    try {
      await api.subscriptions.reactivateSubscription({ subscriptionId: sub.id });
      let message = t("reactivated");
      if (replay.checked) {
        const counts = await api.deliveries.replayDeliveries({ subscriptionId: sub.id, startTime: since });
        message += ` · ${t("replayed", { n: counts.createdCount + counts.rescheduledCount })}`;
      }
      notify(message);
      changed();
      dialog.close();
    } catch (err) {
      error.textContent = explain(err);
      error.hidden = false;
    } finally {
      confirm.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  confirm.focus();
}
