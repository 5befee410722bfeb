// Drives a live service with the TypeScript client. Runs only when
// INBOUNDFLOW_E2E_ADDR names one, and then needs an operator API key in
// INBOUNDFLOW_E2E_API_KEY (scripts/clients/test.sh starts the service and
// makes the key).
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";

import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  DELIVERY_ID_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  VerifyError,
  createWebhooksClient,
  fieldViolations,
  v1,
  verify,
  type HeaderSource,
  type VerifyOptions,
  type WebhooksClient,
} from "../src/index.js";

const ADDR = process.env.INBOUNDFLOW_E2E_ADDR;
const skip = ADDR ? false : "INBOUNDFLOW_E2E_ADDR not set: no live server";
const SECRET = "ts-e2e-signing-secret-0123456789";
const TRICKY = 'Llamó José Ñúñez 🚗🔧\nsegunda línea "citada" back\\slash \u001f unit sep \u2028 line sep';
const TIMEOUT_MS = 20_000;
const ALL_TYPES = [
  v1.EventType.CALL_COMPLETED,
  v1.EventType.CALL_TRANSFERRED,
  v1.EventType.APPOINTMENT_BOOKED,
  v1.EventType.LEAD_CREATED,
];

interface Received {
  body: Buffer;
  headers: IncomingHttpHeaders;
  /** "ok", or why verify threw. */
  verified: string;
}

/** Verifies every request with the TypeScript helper; fails the first
 * request of each event type in failOnce with a 500. */
class Receiver {
  readonly requests: Received[] = [];
  readonly failOnce = new Set<string>();
  private readonly server: Server;
  private waiters: (() => void)[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const verified = reasonOf(body, req.headers, SECRET);
        this.requests.push({ body, headers: req.headers, verified });
        const event = String(req.headers[EVENT_HEADER.toLowerCase()]);
        const fail = this.failOnce.delete(event);
        res.writeHead(verified !== "ok" ? 401 : fail ? 500 : 200).end();
        this.waiters.forEach((w) => w());
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    // The service keeps connections to receivers open for reuse; close them
    // too, or `close` waits for them.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }

  async awaitRequests(n: number): Promise<Received[]> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (this.requests.length < n) {
      const left = deadline - Date.now();
      assert.ok(left > 0, `received ${this.requests.length} of ${n} requests within ${TIMEOUT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests.slice(0, n);
  }
}

/** A client of the live service with `bearerToken` as its API key (none when undefined). */
const connect = (bearerToken: string | undefined) =>
  createWebhooksClient(ADDR!, { insecure: true, bearerToken, defaultTimeoutMs: 10_000 });

/** With the operator key, which may act for any organization. */
let client: WebhooksClient;
before(() => {
  if (!ADDR) return;
  const key = process.env.INBOUNDFLOW_E2E_API_KEY;
  assert.ok(key, "INBOUNDFLOW_E2E_API_KEY not set: the service needs an operator key (inboundflow-webhooks keys create --role operator)");
  client = connect(key);
});
after(() => client?.close());

const org = (name: string) => `org_ts_e2e_${name}_${Date.now()}`;

async function subscribe(orgId: string, url: string) {
  const res = await client.subscriptions.createSubscription({
    organizationId: orgId,
    subscription: { url, integration: v1.Integration.CUSTOM, eventTypes: ALL_TYPES, description: "TypeScript end-to-end receiver" },
    signingSecret: SECRET,
  });
  assert.ok(res.subscription);
  return res.subscription;
}

function emitRequests(orgId: string) {
  const now = Date.now();
  const start = timestampFromMs(now - 180_000);
  const end = timestampFromMs(now);
  const callerName = "José Ñúñez";
  return [
    { case: "callCompleted" as const, value: create(v1.CallCompletedSchema, {
      callId: "call_ts_1", callerName, callerPhone: "+34600111222", summary: TRICKY,
      urgency: v1.Urgency.HIGH, startedAt: start, endedAt: end, durationSeconds: 180 }) },
    { case: "callTransferred" as const, value: create(v1.CallTransferredSchema, {
      callId: "call_ts_2", callerName, summary: TRICKY, transferredToLabel: "Gerente 👔",
      transferredToNumber: "+34600999888", urgency: v1.Urgency.MEDIUM }) },
    { case: "appointmentBooked" as const, value: create(v1.AppointmentBookedSchema, {
      callId: "call_ts_3", callerName, appointmentDate: { year: 2026, month: 3, day: 14 },
      appointmentTimeStart: end, appointmentTimeEnd: timestampFromMs(now + 3_600_000), serviceType: TRICKY }) },
    { case: "leadCreated" as const, value: create(v1.LeadCreatedSchema, {
      callId: "call_ts_4", callerName, callSummary: TRICKY, interest: "pintura 🎨", urgency: v1.Urgency.LOW }) },
  ].map((payload) => create(v1.EmitEventRequestSchema, { organizationId: orgId, payload }));
}

/** "ok", or the reason verify throws with. */
function reasonOf(body: Uint8Array, headers: HeaderSource, secret: string, options?: VerifyOptions): string {
  try {
    verify(body, headers, secret, options);
    return "ok";
  } catch (err) {
    if (err instanceof VerifyError) return err.reason;
    throw err;
  }
}

async function awaitSettled(orgId: string, deliveryId: string) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const { delivery } = await client.deliveries.getDelivery({ organizationId: orgId, deliveryId });
    assert.ok(delivery);
    if (delivery.status === v1.DeliveryStatus.SUCCEEDED || delivery.status === v1.DeliveryStatus.FAILED) return delivery;
    assert.ok(Date.now() < deadline, `delivery ${deliveryId} still ${v1.DeliveryStatus[delivery.status]}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("deliveries verify with the TypeScript helper", { skip }, async () => {
  const receiver = new Receiver();
  receiver.failOnce.add("lead.created");
  const url = await receiver.start();
  try {
    const orgId = org("deliveries");
    await subscribe(orgId, url);
    const deliveryTypes = new Map<string, v1.EventType>();
    for (const req of emitRequests(orgId)) {
      const res = await client.events.emitEvent(req);
      assert.equal(res.deliveryIds.length, 1);
      deliveryTypes.set(res.deliveryIds[0]!, res.event!.type);
    }

    // Four deliveries plus the retry of the one failed on purpose.
    const got = await receiver.awaitRequests(5);
    const events = new Set<string>();
    for (const r of got) {
      assert.equal(r.verified, "ok", `${String(r.headers["x-inboundflow-event"])} did not verify`);
      const body = JSON.parse(r.body.toString("utf8"));
      assert.equal(body.delivery_id, r.headers[DELIVERY_ID_HEADER.toLowerCase()]);
      assert.ok(deliveryTypes.has(body.delivery_id));
      assert.equal(body.event, r.headers[EVENT_HEADER.toLowerCase()]);
      assert.equal(body.data.caller_name, "José Ñúñez");
      events.add(body.event);
    }
    assert.deepEqual([...events].sort(), ["appointment.booked", "call.completed", "call.transferred", "lead.created"]);

    const sample = got[0]!;
    const timestamp = Number(sample.headers[TIMESTAMP_HEADER.toLowerCase()]);
    const tampered = Buffer.from(sample.body.toString("utf8").replace("José", "Jose"), "utf8");
    assert.equal(reasonOf(sample.body, sample.headers, SECRET), "ok");
    // The same request as a fetch handler sees it.
    const fetchHeaders = new Headers(Object.entries(sample.headers).map(([k, v]) => [k, String(v)]));
    assert.equal(reasonOf(sample.body, fetchHeaders, SECRET), "ok");
    fetchHeaders.delete(SIGNATURE_HEADER);
    assert.equal(reasonOf(sample.body, fetchHeaders, SECRET), "missing_header");
    assert.equal(reasonOf(tampered, sample.headers, SECRET), "bad_signature");
    assert.equal(reasonOf(sample.body, sample.headers, SECRET + "x"), "bad_signature");
    assert.equal(reasonOf(sample.body, sample.headers, SECRET, { now: timestamp + 301 }), "stale_timestamp");

    const lead = [...deliveryTypes].find(([, t]) => t === v1.EventType.LEAD_CREATED)![0];
    const delivery = await awaitSettled(orgId, lead);
    assert.equal(delivery.status, v1.DeliveryStatus.SUCCEEDED);
    assert.deepEqual(delivery.attempts.map((a) => a.statusCode), [500, 200]);
  } finally {
    await receiver.stop();
  }
});

test("listing subscriptions pages through all of them", { skip }, async () => {
  const orgId = org("paging");
  const created: string[] = [];
  for (let i = 0; i < 3; i++) created.push((await subscribe(orgId, `https://hooks.example.com/${i}`)).id);
  const listed: string[] = [];
  let pages = 0;
  let pageToken = "";
  do {
    const res = await client.subscriptions.listSubscriptions({ organizationId: orgId, pageSize: 2, pageToken });
    pages++;
    assert.ok(res.subscriptions.length <= 2);
    listed.push(...res.subscriptions.map((s) => s.id));
    pageToken = res.nextPageToken;
    assert.ok(pages < 5, "paging does not end");
  } while (pageToken);
  assert.equal(pages, 2);
  assert.deepEqual(listed.sort(), created.sort());
});

/** The code a call that must fail fails with. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return Code[ConnectError.from(err).code];
  }
  assert.fail("the call succeeded");
}

test("a call without an API key is unauthenticated", { skip }, async () => {
  const orgId = org("nokey");
  // The organization has a subscription, so only the missing key can explain a refusal.
  await subscribe(orgId, "https://hooks.example.com/nokey");
  const anonymous = connect(undefined);
  try {
    assert.equal(await refusal(anonymous.subscriptions.listSubscriptions({ organizationId: orgId })), "Unauthenticated");
    const lead = { case: "leadCreated" as const, value: create(v1.LeadCreatedSchema, { callId: "call_ts_nokey" }) };
    assert.equal(await refusal(anonymous.events.emitEvent({ organizationId: orgId, payload: lead })), "Unauthenticated");
  } finally {
    anonymous.close();
  }
});

test("an emitter key emits but cannot list subscriptions", { skip }, async () => {
  const orgId = org("emitter");
  const created = await client.apiKeys.createApiKey({
    organizationId: orgId,
    apiKey: { role: v1.ApiKeyRole.EMITTER, name: "TypeScript end-to-end emitter" },
  });
  assert.ok(created.key);
  assert.equal(created.apiKey?.organizationId, orgId);
  assert.equal(created.apiKey?.role, v1.ApiKeyRole.EMITTER);
  const emitter = connect(created.key);
  try {
    // An organization key may name its organization or leave it empty.
    for (const organizationId of [orgId, ""]) {
      const lead = { case: "leadCreated" as const, value: create(v1.LeadCreatedSchema, { callId: "call_ts_emitter" }) };
      const emitted = await emitter.events.emitEvent({ organizationId, payload: lead });
      assert.equal(emitted.event?.organizationId, orgId);
    }
    assert.equal(await refusal(emitter.subscriptions.listSubscriptions({ organizationId: orgId })), "PermissionDenied");
  } finally {
    emitter.close();
  }
});

test("a refused subscription names the bad field", { skip }, async () => {
  const err: unknown = await client.subscriptions
    .createSubscription({
      organizationId: org("violations"),
      subscription: { url: "ftp://hooks.example.com/webhook", integration: v1.Integration.CUSTOM, eventTypes: ALL_TYPES },
      signingSecret: SECRET,
    })
    .then(
      () => assert.fail("the subscription was created"),
      (e: unknown) => e,
    );
  assert.equal(ConnectError.from(err).code, Code.InvalidArgument);
  assert.deepEqual(fieldViolations(err), [{ field: "subscription.url", description: "must use https" }]);
});
