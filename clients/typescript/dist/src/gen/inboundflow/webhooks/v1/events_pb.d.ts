import type { GenEnum, GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Date } from "../../../google/type/date_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file inboundflow/webhooks/v1/events.proto.
 */
export declare const file_inboundflow_webhooks_v1_events: GenFile;
/**
 * Payload of a `call.completed` event. Every field is delivered under `data`;
 * a field left unset is delivered as JSON `null`.
 *
 * @generated from message inboundflow.webhooks.v1.CallCompleted
 */
export type CallCompleted = Message<"inboundflow.webhooks.v1.CallCompleted"> & {
    /**
     * Identifier of the call in InboundFlow. Required.
     *
     * @generated from field: string call_id = 1;
     */
    callId: string;
    /**
     * Caller's phone number in E.164 form, e.g. `+1234567890`.
     *
     * @generated from field: optional string caller_phone = 2;
     */
    callerPhone?: string | undefined;
    /**
     * Caller's name as captured during the call.
     *
     * @generated from field: optional string caller_name = 3;
     */
    callerName?: string | undefined;
    /**
     * Caller's email address as captured during the call.
     *
     * @generated from field: optional string caller_email = 4;
     */
    callerEmail?: string | undefined;
    /**
     * Length of the call in whole seconds.
     *
     * @generated from field: optional uint32 duration_seconds = 5;
     */
    durationSeconds?: number | undefined;
    /**
     * AI-written summary of the call.
     *
     * @generated from field: optional string summary = 6;
     */
    summary?: string | undefined;
    /**
     * What the caller wanted, e.g. `book appointment`.
     *
     * @generated from field: optional string intent = 7;
     */
    intent?: string | undefined;
    /**
     * How urgent the caller's need is.
     *
     * @generated from field: inboundflow.webhooks.v1.Urgency urgency = 8;
     */
    urgency: Urgency;
    /**
     * Absolute http(s) URL of the call recording.
     *
     * @generated from field: optional string recording_url = 9;
     */
    recordingUrl?: string | undefined;
    /**
     * When the call started. Delivered as RFC 3339 UTC, e.g. `2026-02-24T20:59:00Z`.
     *
     * @generated from field: google.protobuf.Timestamp started_at = 10;
     */
    startedAt?: Timestamp | undefined;
    /**
     * When the call ended. Must not be before `started_at`.
     *
     * @generated from field: google.protobuf.Timestamp ended_at = 11;
     */
    endedAt?: Timestamp | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.CallCompleted.
 * Use `create(CallCompletedSchema)` to create a new message.
 */
export declare const CallCompletedSchema: GenMessage<CallCompleted>;
/**
 * Payload of a `call.transferred` event. A field left unset is delivered as JSON `null`.
 *
 * @generated from message inboundflow.webhooks.v1.CallTransferred
 */
export type CallTransferred = Message<"inboundflow.webhooks.v1.CallTransferred"> & {
    /**
     * Identifier of the call in InboundFlow. Required.
     *
     * @generated from field: string call_id = 1;
     */
    callId: string;
    /**
     * Caller's phone number in E.164 form.
     *
     * @generated from field: optional string caller_phone = 2;
     */
    callerPhone?: string | undefined;
    /**
     * Caller's name as captured during the call.
     *
     * @generated from field: optional string caller_name = 3;
     */
    callerName?: string | undefined;
    /**
     * Seconds from the start of the call to the transfer.
     *
     * @generated from field: optional uint32 duration_seconds = 4;
     */
    durationSeconds?: number | undefined;
    /**
     * AI-written summary of the call up to the transfer.
     *
     * @generated from field: optional string summary = 5;
     */
    summary?: string | undefined;
    /**
     * Label of the destination the call went to, e.g. `Manager`.
     *
     * @generated from field: optional string transferred_to_label = 6;
     */
    transferredToLabel?: string | undefined;
    /**
     * Phone number of the destination in E.164 form.
     *
     * @generated from field: optional string transferred_to_number = 7;
     */
    transferredToNumber?: string | undefined;
    /**
     * How urgent the caller's need is.
     *
     * @generated from field: inboundflow.webhooks.v1.Urgency urgency = 8;
     */
    urgency: Urgency;
    /**
     * Why the AI transferred the call.
     *
     * @generated from field: optional string reason = 9;
     */
    reason?: string | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.CallTransferred.
 * Use `create(CallTransferredSchema)` to create a new message.
 */
export declare const CallTransferredSchema: GenMessage<CallTransferred>;
/**
 * Payload of an `appointment.booked` event. A field left unset is delivered as JSON `null`.
 *
 * @generated from message inboundflow.webhooks.v1.AppointmentBooked
 */
export type AppointmentBooked = Message<"inboundflow.webhooks.v1.AppointmentBooked"> & {
    /**
     * Identifier of the call during which the appointment was booked. Required.
     *
     * @generated from field: string call_id = 1;
     */
    callId: string;
    /**
     * Caller's phone number in E.164 form.
     *
     * @generated from field: optional string caller_phone = 2;
     */
    callerPhone?: string | undefined;
    /**
     * Caller's name as captured during the call.
     *
     * @generated from field: optional string caller_name = 3;
     */
    callerName?: string | undefined;
    /**
     * Day of the appointment. Delivered as `YYYY-MM-DD`.
     *
     * @generated from field: google.type.Date appointment_date = 4;
     */
    appointmentDate?: Date | undefined;
    /**
     * Start of the appointment. Delivered as RFC 3339 UTC.
     *
     * @generated from field: google.protobuf.Timestamp appointment_time_start = 5;
     */
    appointmentTimeStart?: Timestamp | undefined;
    /**
     * End of the appointment. Must not be before `appointment_time_start`.
     *
     * @generated from field: google.protobuf.Timestamp appointment_time_end = 6;
     */
    appointmentTimeEnd?: Timestamp | undefined;
    /**
     * Kind of service booked, e.g. `Auto Repair Appointment`.
     *
     * @generated from field: optional string service_type = 7;
     */
    serviceType?: string | undefined;
    /**
     * Identifier of the event in the connected calendar.
     *
     * @generated from field: optional string calendar_event_id = 8;
     */
    calendarEventId?: string | undefined;
    /**
     * Absolute http(s) link to the event in the connected calendar.
     *
     * @generated from field: optional string calendar_event_link = 9;
     */
    calendarEventLink?: string | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.AppointmentBooked.
 * Use `create(AppointmentBookedSchema)` to create a new message.
 */
export declare const AppointmentBookedSchema: GenMessage<AppointmentBooked>;
/**
 * Payload of a `lead.created` event. A field left unset is delivered as JSON `null`.
 *
 * @generated from message inboundflow.webhooks.v1.LeadCreated
 */
export type LeadCreated = Message<"inboundflow.webhooks.v1.LeadCreated"> & {
    /**
     * Identifier of the call the lead came from. Required.
     *
     * @generated from field: string call_id = 1;
     */
    callId: string;
    /**
     * Caller's phone number in E.164 form.
     *
     * @generated from field: optional string caller_phone = 2;
     */
    callerPhone?: string | undefined;
    /**
     * Caller's name as captured during the call.
     *
     * @generated from field: optional string caller_name = 3;
     */
    callerName?: string | undefined;
    /**
     * Caller's email address as captured during the call.
     *
     * @generated from field: optional string caller_email = 4;
     */
    callerEmail?: string | undefined;
    /**
     * What the caller wanted, e.g. `pricing inquiry`.
     *
     * @generated from field: optional string intent = 5;
     */
    intent?: string | undefined;
    /**
     * How urgent the caller's need is.
     *
     * @generated from field: inboundflow.webhooks.v1.Urgency urgency = 6;
     */
    urgency: Urgency;
    /**
     * What the lead is interested in, e.g. `auto body work`.
     *
     * @generated from field: optional string interest = 7;
     */
    interest?: string | undefined;
    /**
     * AI-written summary of the call.
     *
     * @generated from field: optional string call_summary = 8;
     */
    callSummary?: string | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.LeadCreated.
 * Use `create(LeadCreatedSchema)` to create a new message.
 */
export declare const LeadCreatedSchema: GenMessage<LeadCreated>;
/**
 * An event as stored by the service: what happened, to which organization, and when.
 *
 * @generated from message inboundflow.webhooks.v1.Event
 */
export type Event = Message<"inboundflow.webhooks.v1.Event"> & {
    /**
     * Server-assigned identifier (a time-ordered UUID).
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * Organization the event belongs to.
     *
     * @generated from field: string organization_id = 2;
     */
    organizationId: string;
    /**
     * Kind of event; matches the payload that is set.
     *
     * @generated from field: inboundflow.webhooks.v1.EventType type = 3;
     */
    type: EventType;
    /**
     * When the event happened; delivered as the body's `timestamp`.
     *
     * @generated from field: google.protobuf.Timestamp occurred_at = 4;
     */
    occurredAt?: Timestamp | undefined;
    /**
     * When the service accepted the event.
     *
     * @generated from field: google.protobuf.Timestamp create_time = 5;
     */
    createTime?: Timestamp | undefined;
    /**
     * Idempotency key the emitter supplied, if any.
     *
     * @generated from field: string idempotency_key = 6;
     */
    idempotencyKey: string;
    /**
     * The event's data, exactly one of the four kinds.
     *
     * @generated from oneof inboundflow.webhooks.v1.Event.payload
     */
    payload: {
        /**
         * Set for `call.completed`.
         *
         * @generated from field: inboundflow.webhooks.v1.CallCompleted call_completed = 10;
         */
        value: CallCompleted;
        case: "callCompleted";
    } | {
        /**
         * Set for `call.transferred`.
         *
         * @generated from field: inboundflow.webhooks.v1.CallTransferred call_transferred = 11;
         */
        value: CallTransferred;
        case: "callTransferred";
    } | {
        /**
         * Set for `appointment.booked`.
         *
         * @generated from field: inboundflow.webhooks.v1.AppointmentBooked appointment_booked = 12;
         */
        value: AppointmentBooked;
        case: "appointmentBooked";
    } | {
        /**
         * Set for `lead.created`.
         *
         * @generated from field: inboundflow.webhooks.v1.LeadCreated lead_created = 13;
         */
        value: LeadCreated;
        case: "leadCreated";
    } | {
        case: undefined;
        value?: undefined;
    };
};
/**
 * Describes the message inboundflow.webhooks.v1.Event.
 * Use `create(EventSchema)` to create a new message.
 */
export declare const EventSchema: GenMessage<Event>;
/**
 * The kinds of event a subscription can receive. Each is delivered with the
 * matching `event` string in the webhook body and the `X-InboundFlow-Event` header.
 *
 * @generated from enum inboundflow.webhooks.v1.EventType
 */
export declare enum EventType {
    /**
     * Not a valid event type; rejected wherever an event type is required.
     *
     * @generated from enum value: EVENT_TYPE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * `call.completed`: a call ended, with its summary and caller information.
     *
     * @generated from enum value: EVENT_TYPE_CALL_COMPLETED = 1;
     */
    CALL_COMPLETED = 1,
    /**
     * `call.transferred`: the AI transferred a call to a configured human destination.
     *
     * @generated from enum value: EVENT_TYPE_CALL_TRANSFERRED = 2;
     */
    CALL_TRANSFERRED = 2,
    /**
     * `appointment.booked`: the AI booked a calendar appointment during a call.
     *
     * @generated from enum value: EVENT_TYPE_APPOINTMENT_BOOKED = 3;
     */
    APPOINTMENT_BOOKED = 3,
    /**
     * `lead.created`: a new lead was captured from a call.
     *
     * @generated from enum value: EVENT_TYPE_LEAD_CREATED = 4;
     */
    LEAD_CREATED = 4
}
/**
 * Describes the enum inboundflow.webhooks.v1.EventType.
 */
export declare const EventTypeSchema: GenEnum<EventType>;
/**
 * How urgent the caller's need is, as judged by the AI. Delivered as
 * `"low"`, `"medium"` or `"high"`; unspecified is delivered as `null`.
 *
 * @generated from enum inboundflow.webhooks.v1.Urgency
 */
export declare enum Urgency {
    /**
     * Not known; delivered as JSON `null`.
     *
     * @generated from enum value: URGENCY_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Delivered as `"low"`.
     *
     * @generated from enum value: URGENCY_LOW = 1;
     */
    LOW = 1,
    /**
     * Delivered as `"medium"`.
     *
     * @generated from enum value: URGENCY_MEDIUM = 2;
     */
    MEDIUM = 2,
    /**
     * Delivered as `"high"`.
     *
     * @generated from enum value: URGENCY_HIGH = 3;
     */
    HIGH = 3
}
/**
 * Describes the enum inboundflow.webhooks.v1.Urgency.
 */
export declare const UrgencySchema: GenEnum<Urgency>;
