import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Duration, FieldMask, Timestamp } from "@bufbuild/protobuf/wkt";
import type { EventType } from "./events_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file inboundflow/webhooks/v1/subscriptions.proto.
 */
export declare const file_inboundflow_webhooks_v1_subscriptions: GenFile;
/**
 * Where and what an organization's webhooks are sent, and how that is going.
 *
 * @generated from message inboundflow.webhooks.v1.Subscription
 */
export type Subscription = Message<"inboundflow.webhooks.v1.Subscription"> & {
    /**
     * Server-assigned identifier. Output only.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * Organization that owns the subscription. Output only (set from the request).
     *
     * @generated from field: string organization_id = 2;
     */
    organizationId: string;
    /**
     * HTTPS URL that receives the POSTs. Required.
     *
     * @generated from field: string url = 3;
     */
    url: string;
    /**
     * Kind of receiver. Required.
     *
     * @generated from field: inboundflow.webhooks.v1.Integration integration = 4;
     */
    integration: Integration;
    /**
     * Event types to receive; at least one, no duplicates. Required.
     *
     * @generated from field: repeated inboundflow.webhooks.v1.EventType event_types = 5;
     */
    eventTypes: EventType[];
    /**
     * Free text shown in the dashboard, at most 500 characters.
     *
     * @generated from field: string description = 6;
     */
    description: string;
    /**
     * Whether deliveries are signed with a secret (`X-InboundFlow-Signature`). Output only.
     *
     * @generated from field: bool has_signing_secret = 7;
     */
    hasSigningSecret: boolean;
    /**
     * Whether the subscription receives deliveries.
     *
     * @generated from field: inboundflow.webhooks.v1.SubscriptionStatus status = 8;
     */
    status: SubscriptionStatus;
    /**
     * Why it is disabled, when it is. Output only.
     *
     * @generated from field: inboundflow.webhooks.v1.DisabledReason disabled_reason = 9;
     */
    disabledReason: DisabledReason;
    /**
     * Failed attempts in a row since the last success. At the configured
     * threshold (10 by default) the subscription is disabled. Output only.
     *
     * @generated from field: uint32 consecutive_failures = 10;
     */
    consecutiveFailures: number;
    /**
     * When an attempt last succeeded. Output only.
     *
     * @generated from field: google.protobuf.Timestamp last_success_time = 11;
     */
    lastSuccessTime?: Timestamp | undefined;
    /**
     * When an attempt last failed. Output only.
     *
     * @generated from field: google.protobuf.Timestamp last_failure_time = 12;
     */
    lastFailureTime?: Timestamp | undefined;
    /**
     * What went wrong in the last failed attempt. Output only.
     *
     * @generated from field: string last_error = 13;
     */
    lastError: string;
    /**
     * When the subscription was created. Output only.
     *
     * @generated from field: google.protobuf.Timestamp create_time = 14;
     */
    createTime?: Timestamp | undefined;
    /**
     * When the subscription was last changed. Output only.
     *
     * @generated from field: google.protobuf.Timestamp update_time = 15;
     */
    updateTime?: Timestamp | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.Subscription.
 * Use `create(SubscriptionSchema)` to create a new message.
 */
export declare const SubscriptionSchema: GenMessage<Subscription>;
/**
 * A subscription to create.
 *
 * @generated from message inboundflow.webhooks.v1.CreateSubscriptionRequest
 */
export type CreateSubscriptionRequest = Message<"inboundflow.webhooks.v1.CreateSubscriptionRequest"> & {
    /**
     * Organization that will own the subscription. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * The subscription. Set `url`, `integration`, `event_types`, optionally
     * `description` and `status` (create it disabled); other fields are ignored.
     *
     * @generated from field: inboundflow.webhooks.v1.Subscription subscription = 2;
     */
    subscription?: Subscription | undefined;
    /**
     * Secret to sign deliveries with, 16 to 256 printable ASCII characters.
     * Leave empty for unsigned deliveries, or set `generate_signing_secret`.
     *
     * @generated from field: string signing_secret = 3;
     */
    signingSecret: string;
    /**
     * Generate a strong signing secret (returned in the response). Cannot be
     * combined with `signing_secret`.
     *
     * @generated from field: bool generate_signing_secret = 4;
     */
    generateSigningSecret: boolean;
};
/**
 * Describes the message inboundflow.webhooks.v1.CreateSubscriptionRequest.
 * Use `create(CreateSubscriptionRequestSchema)` to create a new message.
 */
export declare const CreateSubscriptionRequestSchema: GenMessage<CreateSubscriptionRequest>;
/**
 * The created subscription.
 *
 * @generated from message inboundflow.webhooks.v1.CreateSubscriptionResponse
 */
export type CreateSubscriptionResponse = Message<"inboundflow.webhooks.v1.CreateSubscriptionResponse"> & {
    /**
     * The subscription as stored.
     *
     * @generated from field: inboundflow.webhooks.v1.Subscription subscription = 1;
     */
    subscription?: Subscription | undefined;
    /**
     * The signing secret, supplied or generated; empty when deliveries are
     * unsigned. It is never returned again.
     *
     * @generated from field: string signing_secret = 2;
     */
    signingSecret: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.CreateSubscriptionResponse.
 * Use `create(CreateSubscriptionResponseSchema)` to create a new message.
 */
export declare const CreateSubscriptionResponseSchema: GenMessage<CreateSubscriptionResponse>;
/**
 * Which subscription to read.
 *
 * @generated from message inboundflow.webhooks.v1.GetSubscriptionRequest
 */
export type GetSubscriptionRequest = Message<"inboundflow.webhooks.v1.GetSubscriptionRequest"> & {
    /**
     * Organization that owns the subscription. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Identifier of the subscription. Required.
     *
     * @generated from field: string subscription_id = 2;
     */
    subscriptionId: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.GetSubscriptionRequest.
 * Use `create(GetSubscriptionRequestSchema)` to create a new message.
 */
export declare const GetSubscriptionRequestSchema: GenMessage<GetSubscriptionRequest>;
/**
 * The subscription read.
 *
 * @generated from message inboundflow.webhooks.v1.GetSubscriptionResponse
 */
export type GetSubscriptionResponse = Message<"inboundflow.webhooks.v1.GetSubscriptionResponse"> & {
    /**
     * The subscription.
     *
     * @generated from field: inboundflow.webhooks.v1.Subscription subscription = 1;
     */
    subscription?: Subscription | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.GetSubscriptionResponse.
 * Use `create(GetSubscriptionResponseSchema)` to create a new message.
 */
export declare const GetSubscriptionResponseSchema: GenMessage<GetSubscriptionResponse>;
/**
 * Which subscriptions to list.
 *
 * @generated from message inboundflow.webhooks.v1.ListSubscriptionsRequest
 */
export type ListSubscriptionsRequest = Message<"inboundflow.webhooks.v1.ListSubscriptionsRequest"> & {
    /**
     * Organization whose subscriptions to list. Required.
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
     * Only subscriptions with this status; unspecified means any.
     *
     * @generated from field: inboundflow.webhooks.v1.SubscriptionStatus status = 4;
     */
    status: SubscriptionStatus;
};
/**
 * Describes the message inboundflow.webhooks.v1.ListSubscriptionsRequest.
 * Use `create(ListSubscriptionsRequestSchema)` to create a new message.
 */
export declare const ListSubscriptionsRequestSchema: GenMessage<ListSubscriptionsRequest>;
/**
 * One page of subscriptions.
 *
 * @generated from message inboundflow.webhooks.v1.ListSubscriptionsResponse
 */
export type ListSubscriptionsResponse = Message<"inboundflow.webhooks.v1.ListSubscriptionsResponse"> & {
    /**
     * The subscriptions, newest first.
     *
     * @generated from field: repeated inboundflow.webhooks.v1.Subscription subscriptions = 1;
     */
    subscriptions: Subscription[];
    /**
     * Token for the next page; empty when this is the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.ListSubscriptionsResponse.
 * Use `create(ListSubscriptionsResponseSchema)` to create a new message.
 */
export declare const ListSubscriptionsResponseSchema: GenMessage<ListSubscriptionsResponse>;
/**
 * A change to a subscription.
 *
 * @generated from message inboundflow.webhooks.v1.UpdateSubscriptionRequest
 */
export type UpdateSubscriptionRequest = Message<"inboundflow.webhooks.v1.UpdateSubscriptionRequest"> & {
    /**
     * Organization that owns the subscription. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * The subscription with `id` set and the new values of the fields in `update_mask`.
     *
     * @generated from field: inboundflow.webhooks.v1.Subscription subscription = 2;
     */
    subscription?: Subscription | undefined;
    /**
     * Fields to change: any of `url`, `integration`, `event_types`,
     * `description`, `status`. Required; unknown paths are rejected. Setting
     * `status` to disabled disables it manually; to enabled, reactivates it.
     *
     * @generated from field: google.protobuf.FieldMask update_mask = 3;
     */
    updateMask?: FieldMask | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.UpdateSubscriptionRequest.
 * Use `create(UpdateSubscriptionRequestSchema)` to create a new message.
 */
export declare const UpdateSubscriptionRequestSchema: GenMessage<UpdateSubscriptionRequest>;
/**
 * The changed subscription.
 *
 * @generated from message inboundflow.webhooks.v1.UpdateSubscriptionResponse
 */
export type UpdateSubscriptionResponse = Message<"inboundflow.webhooks.v1.UpdateSubscriptionResponse"> & {
    /**
     * The subscription as stored after the change.
     *
     * @generated from field: inboundflow.webhooks.v1.Subscription subscription = 1;
     */
    subscription?: Subscription | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.UpdateSubscriptionResponse.
 * Use `create(UpdateSubscriptionResponseSchema)` to create a new message.
 */
export declare const UpdateSubscriptionResponseSchema: GenMessage<UpdateSubscriptionResponse>;
/**
 * Which subscription to delete.
 *
 * @generated from message inboundflow.webhooks.v1.DeleteSubscriptionRequest
 */
export type DeleteSubscriptionRequest = Message<"inboundflow.webhooks.v1.DeleteSubscriptionRequest"> & {
    /**
     * Organization that owns the subscription. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Identifier of the subscription. Required.
     *
     * @generated from field: string subscription_id = 2;
     */
    subscriptionId: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.DeleteSubscriptionRequest.
 * Use `create(DeleteSubscriptionRequestSchema)` to create a new message.
 */
export declare const DeleteSubscriptionRequestSchema: GenMessage<DeleteSubscriptionRequest>;
/**
 * Result of a deletion.
 *
 * @generated from message inboundflow.webhooks.v1.DeleteSubscriptionResponse
 */
export type DeleteSubscriptionResponse = Message<"inboundflow.webhooks.v1.DeleteSubscriptionResponse"> & {
    /**
     * How many waiting deliveries were cancelled.
     *
     * @generated from field: uint32 cancelled_deliveries = 1;
     */
    cancelledDeliveries: number;
};
/**
 * Describes the message inboundflow.webhooks.v1.DeleteSubscriptionResponse.
 * Use `create(DeleteSubscriptionResponseSchema)` to create a new message.
 */
export declare const DeleteSubscriptionResponseSchema: GenMessage<DeleteSubscriptionResponse>;
/**
 * Which subscription to test, with which kind of sample.
 *
 * @generated from message inboundflow.webhooks.v1.TestSubscriptionRequest
 */
export type TestSubscriptionRequest = Message<"inboundflow.webhooks.v1.TestSubscriptionRequest"> & {
    /**
     * Organization that owns the subscription. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Identifier of the subscription. Required.
     *
     * @generated from field: string subscription_id = 2;
     */
    subscriptionId: string;
    /**
     * Kind of sample event to send. Defaults to the subscription's first event type.
     *
     * @generated from field: inboundflow.webhooks.v1.EventType event_type = 3;
     */
    eventType: EventType;
};
/**
 * Describes the message inboundflow.webhooks.v1.TestSubscriptionRequest.
 * Use `create(TestSubscriptionRequestSchema)` to create a new message.
 */
export declare const TestSubscriptionRequestSchema: GenMessage<TestSubscriptionRequest>;
/**
 * What happened when the sample was sent.
 *
 * @generated from message inboundflow.webhooks.v1.TestSubscriptionResponse
 */
export type TestSubscriptionResponse = Message<"inboundflow.webhooks.v1.TestSubscriptionResponse"> & {
    /**
     * True when the receiver answered 2xx within the timeout.
     *
     * @generated from field: bool success = 1;
     */
    success: boolean;
    /**
     * HTTP status code of the answer; 0 when there was none.
     *
     * @generated from field: uint32 status_code = 2;
     */
    statusCode: number;
    /**
     * Time from sending the request to the end of the answer (or the failure).
     *
     * @generated from field: google.protobuf.Duration latency = 3;
     */
    latency?: Duration | undefined;
    /**
     * What went wrong, e.g. `connection refused` or `HTTP 500`; empty on success.
     *
     * @generated from field: string error = 4;
     */
    error: string;
    /**
     * The first bytes of the answer's body, as text.
     *
     * @generated from field: string response_body_excerpt = 5;
     */
    responseBodyExcerpt: string;
    /**
     * Identifier of the recorded test delivery (`X-InboundFlow-Delivery-Id`).
     *
     * @generated from field: string delivery_id = 6;
     */
    deliveryId: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.TestSubscriptionResponse.
 * Use `create(TestSubscriptionResponseSchema)` to create a new message.
 */
export declare const TestSubscriptionResponseSchema: GenMessage<TestSubscriptionResponse>;
/**
 * Which subscription to reactivate.
 *
 * @generated from message inboundflow.webhooks.v1.ReactivateSubscriptionRequest
 */
export type ReactivateSubscriptionRequest = Message<"inboundflow.webhooks.v1.ReactivateSubscriptionRequest"> & {
    /**
     * Organization that owns the subscription. Required.
     *
     * @generated from field: string organization_id = 1;
     */
    organizationId: string;
    /**
     * Identifier of the subscription. Required.
     *
     * @generated from field: string subscription_id = 2;
     */
    subscriptionId: string;
};
/**
 * Describes the message inboundflow.webhooks.v1.ReactivateSubscriptionRequest.
 * Use `create(ReactivateSubscriptionRequestSchema)` to create a new message.
 */
export declare const ReactivateSubscriptionRequestSchema: GenMessage<ReactivateSubscriptionRequest>;
/**
 * The reactivated subscription.
 *
 * @generated from message inboundflow.webhooks.v1.ReactivateSubscriptionResponse
 */
export type ReactivateSubscriptionResponse = Message<"inboundflow.webhooks.v1.ReactivateSubscriptionResponse"> & {
    /**
     * The subscription, now enabled.
     *
     * @generated from field: inboundflow.webhooks.v1.Subscription subscription = 1;
     */
    subscription?: Subscription | undefined;
};
/**
 * Describes the message inboundflow.webhooks.v1.ReactivateSubscriptionResponse.
 * Use `create(ReactivateSubscriptionResponseSchema)` to create a new message.
 */
export declare const ReactivateSubscriptionResponseSchema: GenMessage<ReactivateSubscriptionResponse>;
/**
 * The kind of receiver a subscription points at, as chosen in the dashboard.
 *
 * @generated from enum inboundflow.webhooks.v1.Integration
 */
export declare enum Integration {
    /**
     * Not valid in requests.
     *
     * @generated from enum value: INTEGRATION_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * A Zapier "Catch Hook" URL.
     *
     * @generated from enum value: INTEGRATION_ZAPIER = 1;
     */
    ZAPIER = 1,
    /**
     * A Make (Integromat) custom webhook URL.
     *
     * @generated from enum value: INTEGRATION_MAKE = 2;
     */
    MAKE = 2,
    /**
     * An n8n Webhook node URL.
     *
     * @generated from enum value: INTEGRATION_N8N = 3;
     */
    N8N = 3,
    /**
     * Any other HTTPS endpoint that accepts a POST.
     *
     * @generated from enum value: INTEGRATION_CUSTOM = 4;
     */
    CUSTOM = 4
}
/**
 * Describes the enum inboundflow.webhooks.v1.Integration.
 */
export declare const IntegrationSchema: GenEnum<Integration>;
/**
 * Whether a subscription receives deliveries.
 *
 * @generated from enum inboundflow.webhooks.v1.SubscriptionStatus
 */
export declare enum SubscriptionStatus {
    /**
     * Not set. In a create request it means enabled; as a list filter, any status.
     *
     * @generated from enum value: SUBSCRIPTION_STATUS_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Receives deliveries.
     *
     * @generated from enum value: SUBSCRIPTION_STATUS_ENABLED = 1;
     */
    ENABLED = 1,
    /**
     * Receives nothing; its waiting deliveries resume when it is reactivated.
     *
     * @generated from enum value: SUBSCRIPTION_STATUS_DISABLED = 2;
     */
    DISABLED = 2
}
/**
 * Describes the enum inboundflow.webhooks.v1.SubscriptionStatus.
 */
export declare const SubscriptionStatusSchema: GenEnum<SubscriptionStatus>;
/**
 * Why a subscription is disabled.
 *
 * @generated from enum inboundflow.webhooks.v1.DisabledReason
 */
export declare enum DisabledReason {
    /**
     * The subscription is enabled.
     *
     * @generated from enum value: DISABLED_REASON_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Disabled on request (created disabled, or updated to disabled).
     *
     * @generated from enum value: DISABLED_REASON_MANUAL = 1;
     */
    MANUAL = 1,
    /**
     * Disabled by the service after too many consecutive failed attempts.
     *
     * @generated from enum value: DISABLED_REASON_TOO_MANY_FAILURES = 2;
     */
    TOO_MANY_FAILURES = 2
}
/**
 * Describes the enum inboundflow.webhooks.v1.DisabledReason.
 */
export declare const DisabledReasonSchema: GenEnum<DisabledReason>;
/**
 * Manages where an organization's webhooks go: the "Integrations" settings of
 * the dashboard.
 *
 * @generated from service inboundflow.webhooks.v1.SubscriptionService
 */
export declare const SubscriptionService: GenService<{
    /**
     * Creates a subscription. The signing secret, when there is one, is returned
     * only here.
     *
     * @generated from rpc inboundflow.webhooks.v1.SubscriptionService.CreateSubscription
     */
    createSubscription: {
        methodKind: "unary";
        input: typeof CreateSubscriptionRequestSchema;
        output: typeof CreateSubscriptionResponseSchema;
    };
    /**
     * Reads one subscription, with its delivery health.
     *
     * @generated from rpc inboundflow.webhooks.v1.SubscriptionService.GetSubscription
     */
    getSubscription: {
        methodKind: "unary";
        input: typeof GetSubscriptionRequestSchema;
        output: typeof GetSubscriptionResponseSchema;
    };
    /**
     * Lists an organization's subscriptions, newest first.
     *
     * @generated from rpc inboundflow.webhooks.v1.SubscriptionService.ListSubscriptions
     */
    listSubscriptions: {
        methodKind: "unary";
        input: typeof ListSubscriptionsRequestSchema;
        output: typeof ListSubscriptionsResponseSchema;
    };
    /**
     * Changes the fields named in `update_mask`.
     *
     * @generated from rpc inboundflow.webhooks.v1.SubscriptionService.UpdateSubscription
     */
    updateSubscription: {
        methodKind: "unary";
        input: typeof UpdateSubscriptionRequestSchema;
        output: typeof UpdateSubscriptionResponseSchema;
    };
    /**
     * Deletes a subscription; its pending deliveries are cancelled. Its delivery
     * log stays readable.
     *
     * @generated from rpc inboundflow.webhooks.v1.SubscriptionService.DeleteSubscription
     */
    deleteSubscription: {
        methodKind: "unary";
        input: typeof DeleteSubscriptionRequestSchema;
        output: typeof DeleteSubscriptionResponseSchema;
    };
    /**
     * The "Test webhook" button: sends a realistic sample event to the
     * subscription's URL now and reports what happened. Works on disabled
     * subscriptions too, and never counts towards automatic disabling. The
     * attempt is recorded in the delivery log as a test.
     *
     * @generated from rpc inboundflow.webhooks.v1.SubscriptionService.TestSubscription
     */
    testSubscription: {
        methodKind: "unary";
        input: typeof TestSubscriptionRequestSchema;
        output: typeof TestSubscriptionResponseSchema;
    };
    /**
     * Enables a subscription again (after automatic or manual disabling), resets
     * its consecutive failures, and resumes its waiting deliveries.
     *
     * @generated from rpc inboundflow.webhooks.v1.SubscriptionService.ReactivateSubscription
     */
    reactivateSubscription: {
        methodKind: "unary";
        input: typeof ReactivateSubscriptionRequestSchema;
        output: typeof ReactivateSubscriptionResponseSchema;
    };
}>;
