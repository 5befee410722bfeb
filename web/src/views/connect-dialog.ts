// The "Connect" dialog: integration kind, URL (checked as it is typed), event
// types, an optional signing secret, "Test webhook" and Save. Also edits an
// existing integration.
//
// "Test webhook" before Save needs something to send to: the first test
// saves the integration disabled (it receives nothing), Save enables it, and
// Cancel deletes it again, so the customer's order of steps works as the
// customer page describes it.
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";

import { EventType } from "@client/gen/inboundflow/webhooks/v1/events_pb.js";
import {
  Integration,
  SubscriptionSchema,
  SubscriptionStatus,
  type Subscription,
} from "@client/gen/inboundflow/webhooks/v1/subscriptions_pb.js";
import { explain, fieldViolations, type Api } from "../api.js";
import { h, fill, uid } from "../dom.js";
import { EVENT_NAMES, EVENT_WORDS, KINDS } from "../format.js";
import { t } from "../i18n.js";
import type { Settings } from "../session.js";
import { secretReveal } from "./secret.js";
import { testResult } from "./test-result.js";
import { typingProblem, urlProblem } from "./url-check.js";

export interface DialogDeps {
  api: Api;
  settings: Settings;
  notify(message: string): void;
  /** The integrations changed: reload them. */
  changed(): void;
}

type Field = "kind" | "url" | "events" | "description";

/** Which of the dialog's fields a server violation names, if any. */
function fieldOf(path: string): Field | null {
  if (path.startsWith("subscription.url")) return "url";
  if (path.startsWith("subscription.event_types")) return "events";
  if (path.startsWith("subscription.integration")) return "kind";
  if (path.startsWith("subscription.description")) return "description";
  return null;
}

export function openConnectDialog(deps: DialogDeps, existing?: Subscription): void {
  const editing = existing !== undefined;
  let draft: Subscription | undefined = existing;
  let saved = editing;
  let secretShown = false;

  const titleId = uid("dialog-title");
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId });
  const errors = new Map<Field, HTMLElement>();
  const errorFor = (field: Field): HTMLElement => {
    const el = h("p", { class: "field-error", id: uid(`${field}-error`), hidden: true });
    errors.set(field, el);
    return el;
  };

  // Integration kind.
  const kindError = errorFor("kind");
  const kindInputs = KINDS.map(([kind, name, hint]) => {
    const input = h("input", {
      type: "radio",
      name: "kind",
      value: String(kind),
      checked: (existing?.integration ?? Integration.CUSTOM) === kind,
    });
    return { kind, input, label: h("label", { class: "choice" }, input, h("span", { class: "choice-name" }, t(name)), h("span", { class: "choice-hint" }, t(hint))) };
  });
  const kinds = h(
    "fieldset",
    { class: "choices", "aria-describedby": kindError.id },
    h("legend", {}, t("kindLegend")),
    ...kindInputs.map((k) => k.label),
    kindError,
  );

  // URL, checked as it is typed; fully (an empty field too) on leaving it
  // and on Test or Save.
  const urlId = uid("url");
  const urlHintId = uid("url-hint");
  const urlError = errorFor("url");
  const url = h("input", {
    id: urlId,
    type: "url",
    inputmode: "url",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    placeholder: "https://hooks.zapier.com/hooks/catch/…",
    value: existing?.url ?? "",
    "aria-describedby": `${urlHintId} ${urlError.id}`,
  });
  const checkUrl = (): boolean => {
    const problem = urlProblem(url.value, deps.settings.allowPrivateTargets);
    show("url", problem);
    return problem === null;
  };
  url.addEventListener("input", () => show("url", typingProblem(url.value, deps.settings.allowPrivateTargets)));
  url.addEventListener("change", checkUrl);

  // Event types.
  const eventsError = errorFor("events");
  const chosen = new Set(existing?.eventTypes ?? [EventType.CALL_COMPLETED]);
  const eventInputs = [...EVENT_WORDS].map(([type, [name, hint]]) => {
    const input = h("input", { type: "checkbox", name: "events", value: String(type), checked: chosen.has(type) });
    input.addEventListener("change", () => show("events", null));
    return {
      type,
      input,
      label: h(
        "label",
        { class: "check" },
        input,
        h("span", {}, h("span", { class: "check-name" }, t(name)), " ", h("code", {}, EVENT_NAMES.get(type) ?? ""), h("span", { class: "choice-hint" }, t(hint))),
      ),
    };
  });
  const events = h(
    "fieldset",
    { class: "checks", "aria-describedby": eventsError.id },
    h("legend", {}, t("eventsLegend")),
    ...eventInputs.map((e) => e.label),
    eventsError,
  );

  // Name and secret.
  const descriptionId = uid("description");
  const descriptionError = errorFor("description");
  const description = h("input", {
    id: descriptionId,
    type: "text",
    maxlength: 500,
    value: existing?.description ?? "",
    "aria-describedby": descriptionError.id,
  });
  const signHintId = uid("sign-hint");
  const sign = h("input", { type: "checkbox", checked: true, "aria-describedby": signHintId });
  const signRow = editing
    ? null
    : h("div", { class: "field" }, h("label", { class: "check" }, sign, h("span", {}, t("signLabel"))), h("p", { class: "hint", id: signHintId }, t("signHint")));

  const testArea = h("div", { class: "test-area", role: "status", "aria-live": "polite" });
  const secretArea = h("div", { class: "secret-area" });
  const general = h("p", { class: "form-error", role: "alert", hidden: true });

  const testButton = h("button", { type: "button", class: "secondary" }, t("test"));
  const cancelButton = h("button", { type: "button", class: "secondary" }, t("cancel"));
  const saveButton = h("button", { type: "submit", class: "primary" }, t("save"));
  const form = h(
    "form",
    { novalidate: true, method: "dialog" },
    h("h2", { id: titleId }, editing ? t("editTitle") : t("connectTitle")),
    kinds,
    h("div", { class: "field" }, h("label", { for: urlId }, t("urlLabel")), url, h("p", { class: "hint", id: urlHintId }, t("urlHint")), urlError),
    events,
    h("div", { class: "field" }, h("label", { for: descriptionId }, t("descriptionLabel")), description, descriptionError),
    signRow,
    general,
    testArea,
    secretArea,
    h("div", { class: "actions" }, editing ? null : testButton, h("span", { class: "spacer" }), cancelButton, saveButton),
  );
  dialog.append(form);

  function show(field: Field, message: string | null): void {
    const el = errors.get(field);
    if (!el) return;
    el.textContent = message ?? "";
    el.hidden = message === null;
    const target = field === "url" ? url : field === "description" ? description : field === "kind" ? kinds : events;
    if (message === null) target.removeAttribute("aria-invalid");
    else target.setAttribute("aria-invalid", "true");
  }

  function values() {
    const kind = kindInputs.find((k) => k.input.checked)?.kind ?? Integration.UNSPECIFIED;
    const types = eventInputs.filter((e) => e.input.checked).map((e) => e.type);
    return { kind, types, url: url.value.trim(), description: description.value.trim() };
  }

  /** Checks the form here first; true when it may go to the service. */
  function validate(): boolean {
    const urlOk = checkUrl();
    const { types } = values();
    show("events", types.length === 0 ? t("eventsRequired") : null);
    if (!urlOk) url.focus();
    else if (types.length === 0) eventInputs[0]?.input.focus();
    return urlOk && types.length > 0;
  }

  /** Shows the service's refusal on the fields it names. */
  function refused(err: unknown): void {
    const violations = fieldViolations(err);
    let focused = false;
    for (const v of violations) {
      const field = fieldOf(v.field);
      if (!field) continue;
      show(field, v.description);
      if (!focused) {
        (field === "url" ? url : field === "description" ? description : field === "kind" ? kindInputs[0]?.input : eventInputs[0]?.input)?.focus();
        focused = true;
      }
    }
    const unplaced = violations.filter((v) => fieldOf(v.field) === null);
    const message = unplaced.length > 0 ? unplaced.map((v) => `${v.field}: ${v.description}`).join("; ") : explain(err);
    general.textContent = message;
    general.hidden = false;
  }

  function clearErrors(): void {
    for (const field of errors.keys()) show(field, null);
    general.hidden = true;
  }

  /** Saves the form: creates the integration, or updates the draft or the existing one. */
  async function persist(status: SubscriptionStatus): Promise<Subscription> {
    const { kind, types, url: target, description: name } = values();
    const subscription = create(SubscriptionSchema, {
      url: target,
      integration: kind,
      eventTypes: types,
      description: name,
      status,
    });
    if (!draft) {
      const created = await deps.api.subscriptions.createSubscription({
        subscription,
        generateSigningSecret: sign.checked,
      });
      draft = created.subscription;
      if (created.signingSecret) {
        fill(secretArea, secretReveal(created.signingSecret));
        secretShown = true;
      }
      if (!draft) throw new Error("the service returned no integration");
      return draft;
    }
    subscription.id = draft.id;
    const paths = ["url", "integration", "event_types", "description"];
    if (draft.status !== status && !editing) paths.push("status");
    const updated = await deps.api.subscriptions.updateSubscription({
      subscription,
      updateMask: create(FieldMaskSchema, { paths }),
    });
    draft = updated.subscription ?? draft;
    return draft;
  }

  async function busy<T>(button: HTMLButtonElement, label: string, work: () => Promise<T>): Promise<T | undefined> {
    const before = button.textContent;
    button.disabled = true;
    button.textContent = label;
    form.setAttribute("aria-busy", "true");
    try {
      return await work();
    } catch (err) {
      refused(err);
      return undefined;
    } finally {
      button.disabled = false;
      button.textContent = before;
      form.removeAttribute("aria-busy");
    }
  }

  testButton.addEventListener("click", async () => {
    clearErrors();
    if (!validate()) return;
    fill(testArea, h("p", {}, t("testing")));
    const result = await busy(testButton, t("testing"), async () => {
      const sub = await persist(saved ? SubscriptionStatus.ENABLED : SubscriptionStatus.DISABLED);
      return deps.api.subscriptions.testSubscription({ subscriptionId: sub.id });
    });
    fill(testArea, result ? testResult(result) : null);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    if (!validate()) return;
    const hadSecret = secretShown;
    const done = await busy(saveButton, t("saving"), () => persist(SubscriptionStatus.ENABLED));
    if (!done) return;
    saved = true;
    deps.changed();
    deps.notify(t("saved"));
    if (secretShown) {
      // Keep the dialog open on the secret until the customer closes it.
      saveButton.hidden = true;
      testButton.hidden = true;
      cancelButton.textContent = t("close");
      if (!hadSecret) secretArea.querySelector("button")?.focus();
      return;
    }
    dialog.close();
  });

  cancelButton.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    // A draft made only for "Test webhook" goes away with the dialog.
    if (draft && !saved) {
      const id = draft.id;
      void deps.api.subscriptions.deleteSubscription({ subscriptionId: id }).finally(() => deps.changed());
    }
    dialog.remove();
  });

  document.body.append(dialog);
  dialog.showModal();
  (kindInputs.find((k) => k.input.checked)?.input ?? url).focus();
}
