// The Integrations page's entry point: language, theme, token, then the page.
import "./styles.css";

import { createApi } from "./api.js";
import { h } from "./dom.js";
import { chooseLang, setLang, t } from "./i18n.js";
import { Session, loadSettings } from "./session.js";
import { IntegrationsPage } from "./views/integrations.js";

async function main(): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  setLang(chooseLang(params.get("lang"), navigator.languages));
  const theme = params.get("theme");
  if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  document.title = t("title");

  const root = document.getElementById("app");
  if (!root) return;
  const session = new Session();
  const toast = h("div", { class: "toast", role: "status", "aria-live": "polite" });
  document.body.append(toast);
  let toastTimer: number | undefined;
  const notify = (message: string): void => {
    toast.textContent = message;
    toast.classList.add("shown");
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => toast.classList.remove("shown"), 5000);
  };

  new ResizeObserver(() => session.reportHeight(document.documentElement.scrollHeight)).observe(document.body);

  const settings = await loadSettings();
  const api = createApi(
    () => session.current(),
    () => session.expired(),
  );
  let page: IntegrationsPage | null = null;
  const show = (): void => {
    if (!session.current()) {
      root.replaceChildren(h("p", { class: "notice" }, t("noToken")));
      return;
    }
    if (page) {
      void page.refresh();
      return;
    }
    page = new IntegrationsPage({ api, settings, notify });
    root.replaceChildren(page.element);
    page.start();
  };
  session.onToken(show);
  show();
}

void main();
