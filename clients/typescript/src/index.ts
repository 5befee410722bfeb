/**
 * TypeScript client of InboundFlow Webhooks: `createWebhooksClient` reaches
 * the gRPC API, `verify` checks a received webhook's signature. The generated
 * messages and enums are re-exported under `v1`.
 */
export * from "./client.js";
export * from "./verify.js";
export * as v1 from "./v1.js";
