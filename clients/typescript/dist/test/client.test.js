import assert from "node:assert/strict";
import { createServer } from "node:http2";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createWebhooksClient, v1 } from "../src/index.js";
async function fakeEventService(seen) {
    const server = createServer(connectNodeAdapter({
        routes(router) {
            router.service(v1.EventService, {
                getEvent(req, ctx) {
                    seen.push(ctx.requestHeader.get("authorization"));
                    return { event: create(v1.EventSchema, { id: req.eventId }) };
                },
            });
        },
    }));
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return server;
}
test("a bearer token is sent as authorization metadata", async () => {
    const seen = [];
    const server = await fakeEventService(seen);
    const { port } = server.address();
    const withToken = createWebhooksClient(`127.0.0.1:${port}`, { insecure: true, bearerToken: "key_123" });
    const without = createWebhooksClient(`127.0.0.1:${port}`, { insecure: true });
    try {
        const res = await withToken.events.getEvent({ organizationId: "org", eventId: "evt_1" });
        assert.equal(res.event?.id, "evt_1");
        await without.events.getEvent({ organizationId: "org", eventId: "evt_2" });
        assert.deepEqual(seen, ["Bearer key_123", null]);
    }
    finally {
        withToken.close();
        without.close();
        await new Promise((resolve) => server.close(resolve));
    }
});
test("an empty address is rejected", () => {
    assert.throws(() => createWebhooksClient(""));
});
//# sourceMappingURL=client.test.js.map