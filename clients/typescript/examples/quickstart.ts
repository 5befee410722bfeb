// Both sides of a webhook against a running service: starts a receiver that
// verifies signatures, subscribes it, emits a call.completed event and prints
// the verified delivery.
//
//   npm run build && INBOUNDFLOW_API_KEY=… node dist/examples/quickstart.js --addr 127.0.0.1:50051 --insecure
//
// The API key (--api-key, or INBOUNDFLOW_API_KEY) must be an admin key of the
// organization (--org) or an operator key. The service must allow plain-HTTP
// loopback targets (--allow-private-targets) for the local receiver; real
// subscriptions use HTTPS URLs.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

import { VerifyError, createWebhooksClient, fieldViolations, v1, verify } from "@inboundflow/webhooks";

const SECRET = "quickstart-secret-0123456789";

const { values: args } = parseArgs({
  options: {
    addr: { type: "string", default: "127.0.0.1:50051" },
    insecure: { type: "boolean", default: false },
    org: { type: "string", default: "org_quickstart" },
    // The environment is the safer place for a key: a flag shows in the
    // process list and the shell history.
    "api-key": { type: "string" },
  },
});
const apiKey = args["api-key"] || process.env.INBOUNDFLOW_API_KEY;
if (!apiKey) {
  console.error("no API key: set INBOUNDFLOW_API_KEY or pass --api-key (make one with `inboundflow-webhooks keys create`)");
  process.exit(2);
}

let onVerified: (body: string) => void = () => {};
const verified = new Promise<string>((resolve) => (onVerified = resolve));

// The receiver: verify the raw body before trusting anything in it.
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    try {
      verify(body, req.headers, SECRET);
    } catch (err) {
      res.writeHead(401).end(err instanceof VerifyError ? err.message : "cannot verify");
      return;
    }
    res.writeHead(200).end();
    onVerified(body.toString("utf8"));
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const port = (receiver.address() as AddressInfo).port;

const client = createWebhooksClient(args.addr!, {
  insecure: args.insecure!,
  bearerToken: apiKey,
  defaultTimeoutMs: 10_000,
});
const organizationId = args.org!;
const { subscription } = await client.subscriptions
  .createSubscription({
    organizationId,
    subscription: {
      url: `http://127.0.0.1:${port}/webhook`,
      integration: v1.Integration.CUSTOM,
      eventTypes: [v1.EventType.CALL_COMPLETED],
    },
    signingSecret: SECRET,
  })
  .catch((err: unknown) => {
    // An InvalidArgument names each bad field: a plain-HTTP loopback URL is
    // refused unless the service allows private targets.
    for (const { field, description } of fieldViolations(err)) console.error(`${field}: ${description}`);
    receiver.close();
    throw err;
  });

let exitCode = 0;
try {
  const emitted = await client.events.emitEvent({
    organizationId,
    payload: {
      case: "callCompleted",
      value: {
        callId: "call_quickstart",
        callerName: "José Ñúñez",
        summary: "Wants an oil change on Friday 🚗",
        urgency: v1.Urgency.MEDIUM,
      },
    },
  });
  console.log("emitted", emitted.event?.id, "deliveries", emitted.deliveryIds);
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000).unref());
  const body = await Promise.race([verified, timeout]);
  if (body === undefined) {
    console.error("no verified delivery within 30 s");
    exitCode = 1;
  } else {
    console.log("received and verified:", body);
  }
} finally {
  await client.subscriptions.deleteSubscription({ organizationId, subscriptionId: subscription!.id });
  client.close();
  receiver.close();
}
process.exitCode = exitCode;
