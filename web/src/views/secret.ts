// A signing secret, shown once, with a copy button.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function secretReveal(secret: string): HTMLElement {
  const code = h("code", { class: "secret" }, secret);
  const button = h("button", { type: "button", class: "secondary" }, t("copy"));
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret);
    } catch {
      // No clipboard permission (a frame without `allow="clipboard-write"`):
      // select the text so the customer can copy it by hand.
      const range = document.createRange();
      range.selectNodeContents(code);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      return;
    }
    button.textContent = t("copied");
  });
  return h(
    "section",
    { class: "secret-box", "aria-label": t("secretTitle") },
    h("h3", {}, t("secretTitle")),
    h("p", {}, t("secretOnce")),
    h("div", { class: "secret-row" }, code, button),
  );
}
