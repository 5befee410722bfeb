import assert from "node:assert/strict";
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";

import { BadRequestSchema, Code, ConnectError, createWebhooksClient, fieldViolations, v1 } from "../src/index.js";

/** Answers CreateSubscription as the service answers a request with two bad fields. */
async function refusingService(): Promise<Http2Server> {
  const server = createServer(
    connectNodeAdapter({
      routes(router) {
        router.service(v1.SubscriptionService, {
          createSubscription() {
            const badRequest = create(BadRequestSchema, {
              fieldViolations: [
                { field: "subscription.url", description: "must use https" },
                { field: "subscription.event_types", description: "is required" },
              ],
            });
            throw new ConnectError("invalid request", Code.InvalidArgument, undefined, [
              { desc: BadRequestSchema, value: badRequest },
            ]);
          },
        });
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

test("fieldViolations reads the BadRequest of a refused call", async () => {
  const server = await refusingService();
  const { port } = server.address() as AddressInfo;
  const client = createWebhooksClient(`127.0.0.1:${port}`, { insecure: true, bearerToken: "key" });
  try {
    const err: unknown = await client.subscriptions.createSubscription({}).then(
      () => assert.fail("the call succeeded"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.InvalidArgument);
    assert.deepEqual(fieldViolations(err), [
      { field: "subscription.url", description: "must use https" },
      { field: "subscription.event_types", description: "is required" },
    ]);
  } finally {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("other errors have no field violations", () => {
  assert.deepEqual(fieldViolations(new Error("socket hang up")), []);
  assert.deepEqual(fieldViolations(new ConnectError("no key", Code.Unauthenticated)), []);
  assert.deepEqual(fieldViolations(undefined), []);
});
