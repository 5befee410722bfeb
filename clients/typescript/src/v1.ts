export * from "./gen/inboundflow/webhooks/v1/api_keys_pb.js";
export * from "./gen/inboundflow/webhooks/v1/deliveries_pb.js";
export * from "./gen/inboundflow/webhooks/v1/event_service_pb.js";
export * from "./gen/inboundflow/webhooks/v1/events_pb.js";
export * from "./gen/inboundflow/webhooks/v1/subscriptions_pb.js";
export * from "./gen/google/type/date_pb.js";
