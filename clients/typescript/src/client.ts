/** One HTTP/2 connection to the service with a typed client per service. */
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { SecureClientSessionOptions } from "node:http2";

import { ApiKeyService } from "./gen/inboundflow/webhooks/v1/api_keys_pb.js";
import { DeliveryService } from "./gen/inboundflow/webhooks/v1/deliveries_pb.js";
import { EventService } from "./gen/inboundflow/webhooks/v1/event_service_pb.js";
import { SubscriptionService } from "./gen/inboundflow/webhooks/v1/subscriptions_pb.js";

export interface ClientOptions {
  /** Plaintext HTTP/2, for a service on localhost only. Default: TLS. */
  insecure?: boolean;
  /** TLS settings (custom `ca`, client `cert` and `key`); ignored when insecure. */
  tls?: Pick<SecureClientSessionOptions, "ca" | "cert" | "key" | "servername" | "rejectUnauthorized">;
  /**
   * The API key, sent as `authorization: Bearer <key>` on every call. The
   * service refuses every call but health checks without one
   * (`Code.Unauthenticated`), and calls the key's role does not allow
   * (`Code.PermissionDenied`).
   */
  bearerToken?: string;
  /** More interceptors, run after the bearer token one. */
  interceptors?: Interceptor[];
  /** Default deadline of every call, in milliseconds. */
  defaultTimeoutMs?: number;
}

export interface WebhooksClient {
  subscriptions: Client<typeof SubscriptionService>;
  events: Client<typeof EventService>;
  deliveries: Client<typeof DeliveryService>;
  apiKeys: Client<typeof ApiKeyService>;
  /** Closes the connection; calls in flight fail. */
  close(): void;
}

/** Adds `authorization: Bearer <token>` to every request. */
export function bearerToken(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** A client of the service at `address` (`host:port`); connects on first use. */
export function createWebhooksClient(address: string, options: ClientOptions = {}): WebhooksClient {
  if (!address) throw new Error("address must be host:port");
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
    apiKeys: createClient(ApiKeyService, transport),
    close: () => sessionManager.abort(),
  };
}
