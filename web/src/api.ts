// The API, from the browser: gRPC-Web to the service that served the page,
// with the embed token as the bearer. A refused token tells the session, so
// the host can hand over a fresh one.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { DeliveryService } from "@client/gen/inboundflow/webhooks/v1/deliveries_pb.js";
import { SubscriptionService } from "@client/gen/inboundflow/webhooks/v1/subscriptions_pb.js";
import { fieldViolations, type FieldViolation } from "@client/violations.js";
import { t } from "./i18n.js";

export interface Api {
  subscriptions: Client<typeof SubscriptionService>;
  deliveries: Client<typeof DeliveryService>;
}

/** Clients that send whatever `token()` holds at the time of each call. */
export function createApi(token: () => string | null, onUnauthenticated: () => void): Api {
  const bearer: Interceptor = (next) => async (req) => {
    const current = token();
    if (current) req.header.set("authorization", `Bearer ${current}`);
    try {
      return await next(req);
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.Unauthenticated) onUnauthenticated();
      throw err;
    }
  };
  const transport = createGrpcWebTransport({
    baseUrl: window.location.origin,
    interceptors: [bearer],
    defaultTimeoutMs: 30_000,
  });
  return {
    subscriptions: createClient(SubscriptionService, transport),
    deliveries: createClient(DeliveryService, transport),
  };
}

export { fieldViolations, type FieldViolation };

/** A failed call in words for a person. */
export function explain(err: unknown): string {
  if (err instanceof ConnectError) {
    switch (err.code) {
      case Code.Unauthenticated:
        return t("expired");
      case Code.PermissionDenied:
        return t("denied");
      case Code.Unavailable:
      case Code.ResourceExhausted:
        return t("unavailable");
      case Code.InvalidArgument:
        return fieldViolations(err).length > 0 ? t("fixFields") : t("error", { message: err.rawMessage });
      default:
        return t("error", { message: err.rawMessage });
    }
  }
  return t("error", { message: String(err) });
}
