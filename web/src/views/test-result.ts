// What "Test webhook" found: status code, latency and the start of the answer.
import type { TestSubscriptionResponse } from "@client/gen/inboundflow/webhooks/v1/subscriptions_pb.js";
import { h } from "../dom.js";
import { millis } from "../format.js";
import { t } from "../i18n.js";

/** Characters of the receiver's answer shown. */
const EXCERPT = 300;

export function testResult(result: TestSubscriptionResponse): HTMLElement {
  const excerpt = result.responseBodyExcerpt.slice(0, EXCERPT);
  return h(
    "div",
    { class: `test-result ${result.success ? "ok" : "bad"}` },
    h("p", { class: "test-verdict" }, result.success ? `✓ ${t("testOk")}` : `✗ ${t("testFailed")}`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("statusCode")),
      h("dd", { "data-fact": "status-code" }, result.statusCode ? String(result.statusCode) : t("noAnswer")),
      h("dt", {}, t("latency")),
      h("dd", { "data-fact": "latency" }, millis(result.latency)),
      result.error ? h("dt", {}, t("lastError")) : null,
      result.error ? h("dd", {}, result.error) : null,
    ),
    excerpt ? h("p", { class: "answer-label" }, t("answer")) : null,
    excerpt ? h("pre", { class: "answer" }, excerpt) : null,
  );
}
