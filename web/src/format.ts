// How values read on the page: dates, durations, and the API's enums in words.
import { timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";

import { AttemptErrorKind, DeliveryStatus } from "@client/gen/inboundflow/webhooks/v1/deliveries_pb.js";
import { EventType } from "@client/gen/inboundflow/webhooks/v1/events_pb.js";
import { DisabledReason, Integration } from "@client/gen/inboundflow/webhooks/v1/subscriptions_pb.js";
import { lang, t, type Word } from "./i18n.js";

export function when(ts: Timestamp | undefined): string {
  if (!ts) return t("never");
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "medium" }).format(timestampDate(ts));
}

export function millis(d: Duration | undefined): string {
  if (!d) return "–";
  const ms = Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6);
  return t("ms", { n: ms });
}

/** The event type as receivers see it (`call.completed`). */
export const EVENT_NAMES: ReadonlyMap<EventType, string> = new Map([
  [EventType.CALL_COMPLETED, "call.completed"],
  [EventType.CALL_TRANSFERRED, "call.transferred"],
  [EventType.APPOINTMENT_BOOKED, "appointment.booked"],
  [EventType.LEAD_CREATED, "lead.created"],
]);

export const EVENT_WORDS: ReadonlyMap<EventType, [Word, Word]> = new Map([
  [EventType.CALL_COMPLETED, ["eventCallCompleted", "eventCallCompletedHint"]],
  [EventType.CALL_TRANSFERRED, ["eventCallTransferred", "eventCallTransferredHint"]],
  [EventType.APPOINTMENT_BOOKED, ["eventAppointmentBooked", "eventAppointmentBookedHint"]],
  [EventType.LEAD_CREATED, ["eventLeadCreated", "eventLeadCreatedHint"]],
]);

export const KINDS: ReadonlyArray<[Integration, Word, Word]> = [
  [Integration.ZAPIER, "kindZapier", "kindZapierHint"],
  [Integration.MAKE, "kindMake", "kindMakeHint"],
  [Integration.N8N, "kindN8n", "kindN8nHint"],
  [Integration.CUSTOM, "kindCustom", "kindCustomHint"],
];

export function kindName(kind: Integration): string {
  const found = KINDS.find(([k]) => k === kind);
  return found ? t(found[1]) : "";
}

export function disabledReason(reason: DisabledReason): string {
  switch (reason) {
    case DisabledReason.MANUAL:
      return t("reasonManual");
    case DisabledReason.TOO_MANY_FAILURES:
      return t("reasonTooManyFailures");
    case DisabledReason.ENDPOINT_GONE:
      return t("reasonEndpointGone");
    default:
      return "";
  }
}

export function deliveryStatus(status: DeliveryStatus): { word: string; tone: "ok" | "bad" | "wait" } {
  switch (status) {
    case DeliveryStatus.SUCCEEDED:
      return { word: t("deliverySucceeded"), tone: "ok" };
    case DeliveryStatus.FAILED:
      return { word: t("deliveryFailed"), tone: "bad" };
    case DeliveryStatus.CANCELLED:
      return { word: t("deliveryCancelled"), tone: "bad" };
    case DeliveryStatus.IN_FLIGHT:
      return { word: t("deliveryInFlight"), tone: "wait" };
    default:
      return { word: t("deliveryPending"), tone: "wait" };
  }
}

/** An attempt's failure kind, for a tooltip beside its words. */
export function errorKind(kind: AttemptErrorKind): string {
  return kind === AttemptErrorKind.UNSPECIFIED ? "" : AttemptErrorKind[kind];
}
