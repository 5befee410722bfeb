/**
 * TypeScript client of InboundFlow Webhooks: `createWebhooksClient` reaches
 * the gRPC API, `fieldViolations` reads which fields a refused call named,
 * `verify` checks a received webhook's signature. The generated messages and
 * enums are re-exported under `v1`, and `ConnectError` and `Code`, which
 * every failed call rejects with, from `@connectrpc/connect`.
 */
export { Code, ConnectError } from "@connectrpc/connect";
export * from "./client.js";
export * from "./verify.js";
export * from "./violations.js";
export * as v1 from "./v1.js";
export {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
  type BadRequest,
  type BadRequest_FieldViolation,
} from "./gen/google/rpc/error_details_pb.js";
