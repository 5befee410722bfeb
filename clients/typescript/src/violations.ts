/**
 * Reading the fields a refused call names: the `google.rpc.BadRequest`
 * details of a `ConnectError` with `Code.InvalidArgument`.
 */
import { ConnectError } from "@connectrpc/connect";

import { BadRequestSchema } from "./gen/google/rpc/error_details_pb.js";

/** One invalid field of a refused request. */
export interface FieldViolation {
  /** The field's path in the request, such as `subscription.url`. */
  field: string;
  /** What is wrong with it, such as `must use https`. */
  description: string;
}

/**
 * The fields that made the service refuse a call with `Code.InvalidArgument`,
 * in the order it gave them. `err` is what the call rejected with; anything
 * else (not a `ConnectError`, another code, no details) gives an empty list.
 */
export function fieldViolations(err: unknown): FieldViolation[] {
  if (!(err instanceof ConnectError)) return [];
  return err
    .findDetails(BadRequestSchema)
    .flatMap((badRequest) => badRequest.fieldViolations.map(({ field, description }) => ({ field, description })));
}
