/** One HTTP/2 connection to the service with a typed client per service. */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { DeliveryService } from "./gen/inboundflow/webhooks/v1/deliveries_pb.js";
import { EventService } from "./gen/inboundflow/webhooks/v1/event_service_pb.js";
import { SubscriptionService } from "./gen/inboundflow/webhooks/v1/subscriptions_pb.js";
/** Adds `authorization: Bearer <token>` to every request. */
export function bearerToken(token) {
    return (next) => (req) => {
        req.header.set("authorization", `Bearer ${token}`);
        return next(req);
    };
}
/** A client of the service at `address` (`host:port`); connects on first use. */
export function createWebhooksClient(address, options = {}) {
    if (!address)
        throw new Error("address must be host:port");
    const baseUrl = `${options.insecure ? "http" : "https"}://${address}`;
    const sessionManager = new Http2SessionManager(baseUrl, {}, options.insecure ? {} : { ...options.tls });
    const interceptors = [
        ...(options.bearerToken ? [bearerToken(options.bearerToken)] : []),
        ...(options.interceptors ?? []),
    ];
    const transport = createGrpcTransport({
        baseUrl,
        sessionManager,
        interceptors,
        ...(options.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: options.defaultTimeoutMs }),
    });
    return {
        subscriptions: createClient(SubscriptionService, transport),
        events: createClient(EventService, transport),
        deliveries: createClient(DeliveryService, transport),
        close: () => sessionManager.abort(),
    };
}
//# sourceMappingURL=client.js.map