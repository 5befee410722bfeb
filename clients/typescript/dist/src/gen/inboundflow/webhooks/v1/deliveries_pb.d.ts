import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import type { EventType } from "./events_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file inboundflow/webhooks/v1/deliveries.proto.
 */
export declare const file_inboundflow_webhooks_v1_deliveries: GenFile;
/**
 * One try at sending a delivery.
 *
 * @generated from message inboundflow.webhooks.v1.Attempt
 */
export type Attempt = Message<"inboundflow.webhooks.v1.Attempt"> & {
    /**
     * 1 for the first attempt, then 2, 3, …
     *
     * @generated from field: uint32 number = 1;
     */
    number: number;
    /**
     * When the request was sent.
     *
     * @generated from field: google.protobuf.Timestamp start_time = 2;
     */
    startTime?: Timestamp | undefined;
    /**
     * Time until the answer ended or the attempt failed.
     *
     * @generated from field: google.protobuf.Duration duration = 3;
     */
    duration?: Duration | undefined;
    /**
     * HTTP status code of the answer; 0 when there was none.
     *
     * @generated from field: uint32 status_code = 4;
     */
    statusCode: number;
    /**
     * What went wrong; empty on success.
     *
     * @generated from field: string error = 5;
     */
    error: string;
    /**
     * The first bytes of the answer's body, as text.
     *
     * @generated from field: string response_body_excerpt = 6;
     */
    responseBodyExcerpt: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.Attempt.
 * Use `create(AttemptSchema)` to create a new message.
 */
export declare const AttemptSchema: GenMessage<Attempt>;
/**
 * One event sent to one subscription. Its `id` is the `delivery_id` the
 * receiver sees, the same on every attempt.
 *
 * @generated from message inboundflow.webhooks.v1.Delivery
 */
export type Delivery = Message<"inboundflow.webhooks.v1.Delivery"> & {
    /**
     * Identifier; the `delivery_id` in the body and `X-InboundFlow-Delivery-Id`.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * Organization that owns it.
     *
     * @generated from field: string organization_id = 2;
     */
    organizationId: string;
    /**
     * Event being delivered.
     *
     * @generated from field: string event_id = 3;
     */
    eventId: string;
    /**
     * Subscription it is delivered to.
     *
     * @generated from field: string subscription_id = 4;
     */
    subscriptionId: string;
    /**
     * Kind of event.
     *
     * @generated from field: inboundflow.webhooks.v1.EventType event_type = 5;
     */
    eventType: EventType;
    /**
     * Where it stands.
     *
     * @generated from field: inboundflow.webhooks.v1.DeliveryStatus status = 6;
     */
    status: DeliveryStatus;
    /**
     * Attempts made so far.
     *
     * @generated from field: uint32 attempt_count = 7;
     */
    attemptCount: number;
    /**
     * When the next attempt is due, while pending.
     *
     * @generated from field: google.protobuf.Timestamp next_attempt_time = 8;
     */
    nextAttemptTime?: Timestamp | undefined;
    /**
     * Status code of the last attempt; 0 when it got no answer.
     *
     * @generated from field: uint32 last_status_code = 9;
     */
    lastStatusCode: number;
    /**
     * What went wrong in the last attempt; empty when it succeeded.
     *
     * @generated from field: string last_error = 10;
     */
    lastError: string;
    /**
     * True for deliveries made by `TestSubscription`.
     *
     * @generated from field: bool test = 11;
     */
    test: boolean;
    /**
     * When it was created.
     *
     * @generated from field: google.protobuf.Timestamp create_time = 12;
     */
    createTime?: Timestamp | undefined;
    /**
     * When it last changed.
     *
     * @generated from field: google.protobuf.Timestamp update_time = 13;
     */
    updateTime?: Timestamp | undefined;
    /**
     * Every attempt, oldest first. Filled by `GetDelivery` only.
     *
     * @generated from field: repeated inboundflow.webhooks.v1.Attempt attempts = 14;
     */
    attempts: Attempt[];
};
/**
 * Describes the message inboundflow.webhooks.v1.Delivery.
 * Use `create(DeliverySchema)` to create a new message.
 */
export declare const DeliverySchema: GenMessage<Delivery>;
/**
 * Which deliveries to list.
 *
 * @generated from message inboundflow.webhooks.v1.ListDeliveriesRequest
 */
export type ListDeliveriesRequest = Message<"inboundflow.webhooks.v1.ListDeliveriesRequest"> & {
    /**
     * Organization whose deliveries to list. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * At most this many per page; 0 means 50, values above 500 are treated as 500.
     *
     * @generated from field: int32 page_size = 2;
     */
    pageSize: number;
    /**
     * `next_page_token` of the previous page; empty for the first page.
     *
     * @generated from field: string page_token = 3;
     */
    pageToken: string;
    /**
     * Only deliveries to this subscription.
     *
     * @generated from field: string subscription_id = 4;
     */
    subscriptionId: string;
    /**
     * Only deliveries of this event.
     *
     * @generated from field: string event_id = 5;
     */
    eventId: string;
    /**
     * Only deliveries with this status.
     *
     * @generated from field: inboundflow.webhooks.v1.DeliveryStatus status = 6;
     */
    status: DeliveryStatus;
    /**
     * Only deliveries created at or after this time.
     *
     * @generated from field: google.protobuf.Timestamp start_time = 7;
     */
    startTime?: Timestamp | undefined;
    /**
     * Only deliveries created before this time.
     *
     * @generated from field: google.protobuf.Timestamp end_time = 8;
     */
    endTime?: Timestamp | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.ListDeliveriesRequest.
 * Use `create(ListDeliveriesRequestSchema)` to create a new message.
 */
export declare const ListDeliveriesRequestSchema: GenMessage<ListDeliveriesRequest>;
/**
 * One page of deliveries.
 *
 * @generated from message inboundflow.webhooks.v1.ListDeliveriesResponse
 */
export type ListDeliveriesResponse = Message<"inboundflow.webhooks.v1.ListDeliveriesResponse"> & {
    /**
     * The deliveries, newest first, without attempts.
     *
     * @generated from field: repeated inboundflow.webhooks.v1.Delivery deliveries = 1;
     */
    deliveries: Delivery[];
    /**
     * Token for the next page; empty when this is the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.ListDeliveriesResponse.
 * Use `create(ListDeliveriesResponseSchema)` to create a new message.
 */
export declare const ListDeliveriesResponseSchema: GenMessage<ListDeliveriesResponse>;
/**
 * Which delivery to read.
 *
 * @generated from message inboundflow.webhooks.v1.GetDeliveryRequest
 */
export type GetDeliveryRequest = Message<"inboundflow.webhooks.v1.GetDeliveryRequest"> & {
    /**
     * Organization that owns the delivery. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Identifier of the delivery. Required.
     *
     * @generated from field: string delivery_id = 2;
     */
    deliveryId: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.GetDeliveryRequest.
 * Use `create(GetDeliveryRequestSchema)` to create a new message.
 */
export declare const GetDeliveryRequestSchema: GenMessage<GetDeliveryRequest>;
/**
 * The delivery read.
 *
 * @generated from message inboundflow.webhooks.v1.GetDeliveryResponse
 */
export type GetDeliveryResponse = Message<"inboundflow.webhooks.v1.GetDeliveryResponse"> & {
    /**
     * The delivery with its attempts.
     *
     * @generated from field: inboundflow.webhooks.v1.Delivery delivery = 1;
     */
    delivery?: Delivery | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.GetDeliveryResponse.
 * Use `create(GetDeliveryResponseSchema)` to create a new message.
 */
export declare const GetDeliveryResponseSchema: GenMessage<GetDeliveryResponse>;
/**
 * Which delivery to send again.
 *
 * @generated from message inboundflow.webhooks.v1.RedeliverDeliveryRequest
 */
export type RedeliverDeliveryRequest = Message<"inboundflow.webhooks.v1.RedeliverDeliveryRequest"> & {
    /**
     * Organization that owns the delivery. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Identifier of the delivery. Required.
     *
     * @generated from field: string delivery_id = 2;
     */
    deliveryId: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.RedeliverDeliveryRequest.
 * Use `create(RedeliverDeliveryRequestSchema)` to create a new message.
 */
export declare const RedeliverDeliveryRequestSchema: GenMessage<RedeliverDeliveryRequest>;
/**
 * The delivery, scheduled again.
 *
 * @generated from message inboundflow.webhooks.v1.RedeliverDeliveryResponse
 */
export type RedeliverDeliveryResponse = Message<"inboundflow.webhooks.v1.RedeliverDeliveryResponse"> & {
    /**
     * The delivery, now pending.
     *
     * @generated from field: inboundflow.webhooks.v1.Delivery delivery = 1;
     */
    delivery?: Delivery | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.RedeliverDeliveryResponse.
 * Use `create(RedeliverDeliveryResponseSchema)` to create a new message.
 */
export declare const RedeliverDeliveryResponseSchema: GenMessage<RedeliverDeliveryResponse>;
/**
 * What to replay.
 *
 * @generated from message inboundflow.webhooks.v1.ReplayDeliveriesRequest
 */
export type ReplayDeliveriesRequest = Message<"inboundflow.webhooks.v1.ReplayDeliveriesRequest"> & {
    /**
     * Organization that owns the subscription. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Subscription to replay to. Required.
     *
     * @generated from field: string subscription_id = 2;
     */
    subscriptionId: string;
    /**
     * Replay events that occurred at or after this time. Required.
     *
     * @generated from field: google.protobuf.Timestamp start_time = 3;
     */
    startTime?: Timestamp | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.ReplayDeliveriesRequest.
 * Use `create(ReplayDeliveriesRequestSchema)` to create a new message.
 */
export declare const ReplayDeliveriesRequestSchema: GenMessage<ReplayDeliveriesRequest>;
/**
 * What the replay scheduled.
 *
 * @generated from message inboundflow.webhooks.v1.ReplayDeliveriesResponse
 */
export type ReplayDeliveriesResponse = Message<"inboundflow.webhooks.v1.ReplayDeliveriesResponse"> & {
    /**
     * Deliveries created for events the subscription never had a delivery of.
     *
     * @generated from field: uint32 created_count = 1;
     */
    createdCount: number;
    /**
     * Failed or cancelled deliveries scheduled again.
     *
     * @generated from field: uint32 rescheduled_count = 2;
     */
    rescheduledCount: number;
};
/**
 * Describes the message inboundflow.webhooks.v1.ReplayDeliveriesResponse.
 * Use `create(ReplayDeliveriesResponseSchema)` to create a new message.
 */
export declare const ReplayDeliveriesResponseSchema: GenMessage<ReplayDeliveriesResponse>;
/**
 * Where a delivery stands.
 *
 * @generated from enum inboundflow.webhooks.v1.DeliveryStatus
 */
export declare enum DeliveryStatus {
    /**
     * Not set; as a list filter, any status.
     *
     * @generated from enum value: DELIVERY_STATUS_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Waiting for its next attempt (or for its subscription to be reactivated).
     *
     * @generated from enum value: DELIVERY_STATUS_PENDING = 1;
     */
    PENDING = 1,
    /**
     * An attempt is being made right now.
     *
     * @generated from enum value: DELIVERY_STATUS_IN_FLIGHT = 2;
     */
    IN_FLIGHT = 2,
    /**
     * The receiver answered 2xx.
     *
     * @generated from enum value: DELIVERY_STATUS_SUCCEEDED = 3;
     */
    SUCCEEDED = 3,
    /**
     * Every scheduled attempt failed.
     *
     * @generated from enum value: DELIVERY_STATUS_FAILED = 4;
     */
    FAILED = 4,
    /**
     * Will not be sent: its subscription was deleted.
     *
     * @generated from enum value: DELIVERY_STATUS_CANCELLED = 5;
     */
    CANCELLED = 5
}
/**
 * Describes the enum inboundflow.webhooks.v1.DeliveryStatus.
 */
export declare const DeliveryStatusSchema: GenEnum<DeliveryStatus>;
/**
 * The delivery log: what was sent where, every attempt, and re-sending.
 *
 * @generated from service inboundflow.webhooks.v1.DeliveryService
 */
export declare const DeliveryService: GenService<{
    /**
     * Lists an organization's deliveries, newest first.
     *
     * @generated from rpc inboundflow.webhooks.v1.DeliveryService.ListDeliveries
     */
    listDeliveries: {
        methodKind: "unary";
        input: typeof ListDeliveriesRequestSchema;
        output: typeof ListDeliveriesResponseSchema;
    };
    /**
     * Reads one delivery with all its attempts.
     *
     * @generated from rpc inboundflow.webhooks.v1.DeliveryService.GetDelivery
     */
    getDelivery: {
        methodKind: "unary";
        input: typeof GetDeliveryRequestSchema;
        output: typeof GetDeliveryResponseSchema;
    };
    /**
     * Sends a delivery again now, with the same `delivery_id` and body, whatever
     * its status (also when it ran out of retries). Its retry schedule restarts.
     *
     * @generated from rpc inboundflow.webhooks.v1.DeliveryService.RedeliverDelivery
     */
    redeliverDelivery: {
        methodKind: "unary";
        input: typeof RedeliverDeliveryRequestSchema;
        output: typeof RedeliverDeliveryResponseSchema;
    };
    /**
     * Sends to one subscription every event of its types since `start_time` that
     * it has not received successfully, including events emitted while it was
     * disabled. Deliveries already waiting are left as they are.
     *
     * @generated from rpc inboundflow.webhooks.v1.DeliveryService.ReplayDeliveries
     */
    replayDeliveries: {
        methodKind: "unary";
        input: typeof ReplayDeliveriesRequestSchema;
        output: typeof ReplayDeliveriesResponseSchema;
    };
}>;
