import type { GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { AppointmentBooked, CallCompleted, CallTransferred, Event, LeadCreated } from "./events_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file inboundflow/webhooks/v1/event_service.proto.
 */
export declare const file_inboundflow_webhooks_v1_event_service: GenFile;
/**
 * An event to emit.
 *
 * @generated from message inboundflow.webhooks.v1.EmitEventRequest
 */
export type EmitEventRequest = Message<"inboundflow.webhooks.v1.EmitEventRequest"> & {
    /**
     * Organization the event belongs to. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Optional key, unique per organization: emitting again with the same key
     * returns the first result instead of creating a second event. Reusing a
     * key for a different event is rejected with `ALREADY_EXISTS`.
     *
     * @generated from field: string idempotency_key = 2;
     */
    idempotencyKey: string;
    /**
     * When the event happened. Defaults to the time the service accepts it.
     *
     * @generated from field: google.protobuf.Timestamp occurred_at = 3;
     */
    occurredAt?: Timestamp | undefined;
    /**
     * The event's data; which one is set decides the event type. Required.
     *
     * @generated from oneof inboundflow.webhooks.v1.EmitEventRequest.payload
     */
    payload: {
        /**
         * A call completed.
         *
         * @generated from field: inboundflow.webhooks.v1.CallCompleted call_completed = 10;
         */
        value: CallCompleted;
        case: "callCompleted";
    } | {
        /**
         * A call was transferred to a human.
         *
         * @generated from field: inboundflow.webhooks.v1.CallTransferred call_transferred = 11;
         */
        value: CallTransferred;
        case: "callTransferred";
    } | {
        /**
         * An appointment was booked.
         *
         * @generated from field: inboundflow.webhooks.v1.AppointmentBooked appointment_booked = 12;
         */
        value: AppointmentBooked;
        case: "appointmentBooked";
    } | {
        /**
         * A lead was created.
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
 * Describes the message inboundflow.webhooks.v1.EmitEventRequest.
 * Use `create(EmitEventRequestSchema)` to create a new message.
 */
export declare const EmitEventRequestSchema: GenMessage<EmitEventRequest>;
/**
 * The stored event and the deliveries it created.
 *
 * @generated from message inboundflow.webhooks.v1.EmitEventResponse
 */
export type EmitEventResponse = Message<"inboundflow.webhooks.v1.EmitEventResponse"> & {
    /**
     * The stored event.
     *
     * @generated from field: inboundflow.webhooks.v1.Event event = 1;
     */
    event?: Event | undefined;
    /**
     * Identifiers of the deliveries created, one per matching enabled subscription.
     * Each is the `delivery_id` its receiver sees.
     *
     * @generated from field: repeated string delivery_ids = 2;
     */
    deliveryIds: string[];
    /**
     * True when `idempotency_key` matched an earlier event and nothing new was stored.
     *
     * @generated from field: bool duplicate = 3;
     */
    duplicate: boolean;
};
/**
 * Describes the message inboundflow.webhooks.v1.EmitEventResponse.
 * Use `create(EmitEventResponseSchema)` to create a new message.
 */
export declare const EmitEventResponseSchema: GenMessage<EmitEventResponse>;
/**
 * Events to emit together.
 *
 * @generated from message inboundflow.webhooks.v1.BatchEmitEventsRequest
 */
export type BatchEmitEventsRequest = Message<"inboundflow.webhooks.v1.BatchEmitEventsRequest"> & {
    /**
     * The events, at most 1000. Each is validated as in `EmitEvent`.
     *
     * @generated from field: repeated inboundflow.webhooks.v1.EmitEventRequest requests = 1;
     */
    requests: EmitEventRequest[];
};
/**
 * Describes the message inboundflow.webhooks.v1.BatchEmitEventsRequest.
 * Use `create(BatchEmitEventsRequestSchema)` to create a new message.
 */
export declare const BatchEmitEventsRequestSchema: GenMessage<BatchEmitEventsRequest>;
/**
 * The results, in the order of the requests.
 *
 * @generated from message inboundflow.webhooks.v1.BatchEmitEventsResponse
 */
export type BatchEmitEventsResponse = Message<"inboundflow.webhooks.v1.BatchEmitEventsResponse"> & {
    /**
     * One result per request, in order.
     *
     * @generated from field: repeated inboundflow.webhooks.v1.EmitEventResponse results = 1;
     */
    results: EmitEventResponse[];
};
/**
 * Describes the message inboundflow.webhooks.v1.BatchEmitEventsResponse.
 * Use `create(BatchEmitEventsResponseSchema)` to create a new message.
 */
export declare const BatchEmitEventsResponseSchema: GenMessage<BatchEmitEventsResponse>;
/**
 * Which event to read.
 *
 * @generated from message inboundflow.webhooks.v1.GetEventRequest
 */
export type GetEventRequest = Message<"inboundflow.webhooks.v1.GetEventRequest"> & {
    /**
     * Organization that owns the event. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Identifier of the event. Required.
     *
     * @generated from field: string event_id = 2;
     */
    eventId: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.GetEventRequest.
 * Use `create(GetEventRequestSchema)` to create a new message.
 */
export declare const GetEventRequestSchema: GenMessage<GetEventRequest>;
/**
 * The event read.
 *
 * @generated from message inboundflow.webhooks.v1.GetEventResponse
 */
export type GetEventResponse = Message<"inboundflow.webhooks.v1.GetEventResponse"> & {
    /**
     * The event.
     *
     * @generated from field: inboundflow.webhooks.v1.Event event = 1;
     */
    event?: Event | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.GetEventResponse.
 * Use `create(GetEventResponseSchema)` to create a new message.
 */
export declare const GetEventResponseSchema: GenMessage<GetEventResponse>;
/**
 * Accepts events from InboundFlow's services and turns each into one delivery
 * per matching enabled subscription of its organization.
 *
 * @generated from service inboundflow.webhooks.v1.EventService
 */
export declare const EventService: GenService<{
    /**
     * Stores one event durably and creates its deliveries. The response is sent
     * only after the event is committed, so an acknowledged event is never lost.
     *
     * @generated from rpc inboundflow.webhooks.v1.EventService.EmitEvent
     */
    emitEvent: {
        methodKind: "unary";
        input: typeof EmitEventRequestSchema;
        output: typeof EmitEventResponseSchema;
    };
    /**
     * Stores many events at once: either all are accepted or none is. A
     * validation error names the failing entry, e.g. `requests[3].call_completed.caller_phone`.
     *
     * @generated from rpc inboundflow.webhooks.v1.EventService.BatchEmitEvents
     */
    batchEmitEvents: {
        methodKind: "unary";
        input: typeof BatchEmitEventsRequestSchema;
        output: typeof BatchEmitEventsResponseSchema;
    };
    /**
     * Reads one event of an organization.
     *
     * @generated from rpc inboundflow.webhooks.v1.EventService.GetEvent
     */
    getEvent: {
        methodKind: "unary";
        input: typeof GetEventRequestSchema;
        output: typeof GetEventResponseSchema;
    };
}>;
