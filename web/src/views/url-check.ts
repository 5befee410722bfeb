// The URL check the Connect dialog runs as the customer types: the service
// checks again (and more: private addresses) and its answer wins.
import { t } from "../i18n.js";

/** What is wrong with `raw` as a webhook URL, or null when it will do. */
export function urlProblem(raw: string, allowPlainHttp: boolean): string | null {
  const value = raw.trim();
  if (!value) return t("urlRequired");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return /^https?:\/\//i.test(value) ? t("urlInvalid") : t("urlNotHttps");
  }
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && allowPlainHttp) return null;
  return t("urlNotHttps");
}

/**
 * While typing: the problem with `raw` unless it may still become a good URL
 * (`h`, `http`, `https:/` on the way to `https://…`), so the customer is told
 * at once when a pasted or typed URL is wrong, but not mid-word.
 */
export function typingProblem(raw: string, allowPlainHttp: boolean): string | null {
  const value = raw.trim().toLowerCase();
  if (!value) return null;
  const prefixes = allowPlainHttp ? ["https://", "http://"] : ["https://"];
  if (prefixes.some((p) => p.startsWith(value))) return null;
  return urlProblem(raw, allowPlainHttp);
}
