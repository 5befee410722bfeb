import assert from "node:assert/strict";
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";

import { createWebhooksClient, v1 } from "../src/index.js";

async function fakeEventService(seen: (string | null)[]): Promise<Http2Server> {
  const server = createServer(
    connectNodeAdapter({
      routes(router) {
        router.service(v1.EventService, {
          getEvent(req, ctx) {
            seen.push(ctx.requestHeader.get("authorization"));
            return { event: create(v1.EventSchema, { id: req.eventId }) };
          },
        });
        router.service(v1.ApiKeyService, {
          listApiKeys(_req, ctx) {
            seen.push(ctx.requestHeader.get("authorization"));
            return { apiKeys: [create(v1.ApiKeySchema, { id: "key_1" })] };
          },
        });
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

test("a bearer token is sent as authorization metadata", async () => {
  const seen: (string | null)[] = [];
  const server = await fakeEventService(seen);
  const { port } = server.address() as AddressInfo;
  const withToken = createWebhooksClient(`127.0.0.1:${port}`, { insecure: true, bearerToken: "key_123" });
  const without = createWebhooksClient(`127.0.0.1:${port}`, { insecure: true });
  try {
    const res = await withToken.events.getEvent({ organizationId: "org", eventId: "evt_1" });
    assert.equal(res.event?.id, "evt_1");
    await without.events.getEvent({ organizationId: "org", eventId: "evt_2" });
    // The API key service shares the transport, and so the token.
    const keys = await withToken.apiKeys.listApiKeys({});
    assert.deepEqual(keys.apiKeys.map((k) => k.id), ["key_1"]);
    assert.deepEqual(seen, ["Bearer key_123", null, "Bearer key_123"]);
  } finally {
    withToken.close();
    without.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("an empty address is rejected", () => {
  assert.throws(() => createWebhooksClient(""));
});
