"""Drives a live service with the Python client.

Runs only when INBOUNDFLOW_E2E_ADDR names one, and then needs an operator API
key in INBOUNDFLOW_E2E_API_KEY (scripts/clients/test.sh starts the service and
makes the key).
"""

import http.server
import json
import os
import queue
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Set

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from inboundflow.webhooks import (
    DELIVERY_ID_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    FieldViolation,
    Reason,
    VerifyError,
    WebhooksClient,
    field_violations,
    verify,
)
from inboundflow.webhooks.v1 import (
    api_keys_pb2,
    deliveries_pb2,
    event_service_pb2,
    events_pb2,
    subscriptions_pb2,
)

ADDR = os.environ.get("INBOUNDFLOW_E2E_ADDR")
pytestmark = pytest.mark.skipif(not ADDR, reason="INBOUNDFLOW_E2E_ADDR not set: no live server")

SECRET = "py-e2e-signing-secret-0123456789"
TRICKY = 'Llamó José Ñúñez 🚗🔧\nsegunda línea "citada" back\\slash \u001f unit sep \u2028 line sep'
TIMEOUT = 20.0
ALL_TYPES = [
    events_pb2.EVENT_TYPE_CALL_COMPLETED,
    events_pb2.EVENT_TYPE_CALL_TRANSFERRED,
    events_pb2.EVENT_TYPE_APPOINTMENT_BOOKED,
    events_pb2.EVENT_TYPE_LEAD_CREATED,
]


class Received:
    """One request: its headers as the plain dict of lowercase names that many
    frameworks give, and how verifying `self.headers` of http.server went."""

    def __init__(self, body: bytes, headers: Dict[str, str], error: Optional[VerifyError]):
        self.body, self.headers, self.error = body, headers, error


class Receiver(http.server.ThreadingHTTPServer):
    """Verifies each request with the Python helper; fails the first request
    of each event type in fail_once with a 500."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: "queue.Queue[Received]" = queue.Queue()
        self.fail_once: Set[str] = set()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def await_requests(self, n: int) -> List[Received]:
        deadline = time.monotonic() + TIMEOUT
        got: List[Received] = []
        while len(got) < n:
            remaining = deadline - time.monotonic()
            try:
                got.append(self.requests.get(timeout=max(remaining, 0.001)))
            except queue.Empty:
                pytest.fail(f"received {len(got)} of {n} requests within {TIMEOUT}s")
        return got


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20))
        headers = {name.lower(): value for name, value in self.headers.items()}
        error = None
        try:
            verify(body, self.headers, SECRET)
        except VerifyError as err:
            error = err
        self.server.requests.put(Received(body, headers, error))
        event = headers.get(EVENT_HEADER.lower(), "")
        with self.server.lock:
            fail = event in self.server.fail_once
            self.server.fail_once.discard(event)
        self.send_response(401 if error else 500 if fail else 200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def client() -> Iterator[WebhooksClient]:
    """A client with the operator key, which may act for any organization."""
    assert ADDR
    key = os.environ.get("INBOUNDFLOW_E2E_API_KEY")
    assert key, (
        "INBOUNDFLOW_E2E_API_KEY not set: the service needs an operator key "
        "(inboundflow-webhooks keys create --role operator)"
    )
    with WebhooksClient(ADDR, insecure=True, bearer_token=key) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def org(name: str) -> str:
    return f"org_py_e2e_{name}_{time.time_ns()}"


def subscribe(client: WebhooksClient, org_id: str, url: str) -> subscriptions_pb2.Subscription:
    response = client.subscriptions.CreateSubscription(
        subscriptions_pb2.CreateSubscriptionRequest(
            organization_id=org_id,
            subscription=subscriptions_pb2.Subscription(
                url=url,
                integration=subscriptions_pb2.INTEGRATION_CUSTOM,
                event_types=ALL_TYPES,
                description="Python end-to-end receiver",
            ),
            signing_secret=SECRET,
        ),
        timeout=10,
    )
    return response.subscription


def emit_all(client: WebhooksClient, org_id: str) -> Dict[str, int]:
    now = time.time()
    start, end, later = Timestamp(), Timestamp(), Timestamp()
    start.FromSeconds(int(now) - 180)
    end.FromSeconds(int(now))
    later.FromSeconds(int(now) + 3600)
    name = "José Ñúñez"
    requests = [
        event_service_pb2.EmitEventRequest(organization_id=org_id, call_completed=events_pb2.CallCompleted(
            call_id="call_py_1", caller_name=name, caller_phone="+34600111222", summary=TRICKY,
            urgency=events_pb2.URGENCY_HIGH, started_at=start, ended_at=end, duration_seconds=180)),
        event_service_pb2.EmitEventRequest(organization_id=org_id, call_transferred=events_pb2.CallTransferred(
            call_id="call_py_2", caller_name=name, summary=TRICKY, transferred_to_label="Gerente 👔",
            transferred_to_number="+34600999888", urgency=events_pb2.URGENCY_MEDIUM)),
        event_service_pb2.EmitEventRequest(organization_id=org_id, appointment_booked=events_pb2.AppointmentBooked(
            call_id="call_py_3", caller_name=name, appointment_date=Date(year=2026, month=3, day=14),
            appointment_time_start=end, appointment_time_end=later, service_type=TRICKY)),
        event_service_pb2.EmitEventRequest(organization_id=org_id, lead_created=events_pb2.LeadCreated(
            call_id="call_py_4", caller_name=name, call_summary=TRICKY, interest="pintura 🎨",
            urgency=events_pb2.URGENCY_LOW)),
    ]
    delivery_types: Dict[str, int] = {}
    for request in requests:
        response = client.events.EmitEvent(request, timeout=10)
        assert len(response.delivery_ids) == 1
        delivery_types[response.delivery_ids[0]] = response.event.type
    return delivery_types


def reason(body: bytes, headers: Dict[str, str], secret: str, now: Optional[int] = None) -> str:
    try:
        verify(body, headers, secret, now=now)
    except VerifyError as err:
        return err.reason.value
    return "ok"


def await_settled(client: WebhooksClient, org_id: str, delivery_id: str) -> deliveries_pb2.Delivery:
    deadline = time.monotonic() + TIMEOUT
    settled = (deliveries_pb2.DELIVERY_STATUS_SUCCEEDED, deliveries_pb2.DELIVERY_STATUS_FAILED)
    while True:
        delivery = client.deliveries.GetDelivery(
            deliveries_pb2.GetDeliveryRequest(organization_id=org_id, delivery_id=delivery_id), timeout=10
        ).delivery
        if delivery.status in settled:
            return delivery
        assert time.monotonic() < deadline, f"delivery {delivery_id} still {delivery.status}"
        time.sleep(0.05)


def test_deliveries_verify_with_the_python_helper(client: WebhooksClient, receiver: Receiver) -> None:
    receiver.fail_once.add("lead.created")
    org_id = org("deliveries")
    subscribe(client, org_id, receiver.url)
    delivery_types = emit_all(client, org_id)

    # Four deliveries plus the retry of the one failed on purpose.
    got = receiver.await_requests(5)
    events = set()
    for r in got:
        assert r.error is None, f"{r.headers[EVENT_HEADER.lower()]} did not verify: {r.error}"
        body = json.loads(r.body)
        assert body["delivery_id"] == r.headers[DELIVERY_ID_HEADER.lower()] in delivery_types
        assert body["event"] == r.headers[EVENT_HEADER.lower()]
        assert body["data"]["caller_name"] == "José Ñúñez"
        events.add(body["event"])
    assert events == {"call.completed", "call.transferred", "appointment.booked", "lead.created"}

    sample = got[0]
    timestamp = int(sample.headers[TIMESTAMP_HEADER.lower()])
    tampered = sample.body.replace("José".encode(), "Jose".encode(), 1)
    assert reason(sample.body, sample.headers, SECRET) == "ok"
    unsigned = {k: v for k, v in sample.headers.items() if k != SIGNATURE_HEADER.lower()}
    assert reason(sample.body, unsigned, SECRET) == Reason.MISSING_HEADER.value
    assert reason(tampered, sample.headers, SECRET) == Reason.BAD_SIGNATURE.value
    assert reason(sample.body, sample.headers, SECRET + "x") == Reason.BAD_SIGNATURE.value
    assert reason(sample.body, sample.headers, SECRET, now=timestamp + 301) == Reason.STALE_TIMESTAMP.value

    lead = next(d for d, t in delivery_types.items() if t == events_pb2.EVENT_TYPE_LEAD_CREATED)
    delivery = await_settled(client, org_id, lead)
    assert delivery.status == deliveries_pb2.DELIVERY_STATUS_SUCCEEDED
    assert [a.status_code for a in delivery.attempts] == [500, 200]


def test_list_subscriptions_pages(client: WebhooksClient) -> None:
    org_id = org("paging")
    created = {subscribe(client, org_id, f"https://hooks.example.com/{i}").id for i in range(3)}
    listed: List[str] = []
    pages, token = 0, ""
    while True:
        response = client.subscriptions.ListSubscriptions(
            subscriptions_pb2.ListSubscriptionsRequest(organization_id=org_id, page_size=2, page_token=token),
            timeout=10,
        )
        pages += 1
        assert len(response.subscriptions) <= 2
        listed += [s.id for s in response.subscriptions]
        token = response.next_page_token
        if not token:
            break
        assert pages < 5, "paging does not end"
    assert pages == 2
    assert sorted(listed) == sorted(created)


def refusal(call: Any) -> grpc.StatusCode:
    """The status code a call that must fail fails with."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    code: grpc.StatusCode = caught.value.code()
    return code


def test_call_without_a_key_is_unauthenticated(client: WebhooksClient) -> None:
    org_id = org("nokey")
    # The organization has a subscription, so only the missing key can
    # explain a refusal.
    subscribe(client, org_id, "https://hooks.example.com/nokey")
    assert ADDR
    with WebhooksClient(ADDR, insecure=True) as anonymous:
        listing = subscriptions_pb2.ListSubscriptionsRequest(organization_id=org_id)
        assert refusal(lambda: anonymous.subscriptions.ListSubscriptions(listing, timeout=10)) == (
            grpc.StatusCode.UNAUTHENTICATED
        )
        emit = event_service_pb2.EmitEventRequest(
            organization_id=org_id, lead_created=events_pb2.LeadCreated(call_id="call_py_nokey")
        )
        assert refusal(lambda: anonymous.events.EmitEvent(emit, timeout=10)) == grpc.StatusCode.UNAUTHENTICATED


def test_emitter_key_emits_but_cannot_list_subscriptions(client: WebhooksClient) -> None:
    org_id = org("emitter")
    created = client.api_keys.CreateApiKey(
        api_keys_pb2.CreateApiKeyRequest(
            organization_id=org_id,
            api_key=api_keys_pb2.ApiKey(role=api_keys_pb2.API_KEY_ROLE_EMITTER, name="Python end-to-end emitter"),
        ),
        timeout=10,
    )
    assert created.key
    assert created.api_key.organization_id == org_id
    assert created.api_key.role == api_keys_pb2.API_KEY_ROLE_EMITTER
    assert ADDR
    with WebhooksClient(ADDR, insecure=True, bearer_token=created.key) as emitter:
        # An organization key may name its organization or leave it empty.
        for named in (org_id, ""):
            emitted = emitter.events.EmitEvent(
                event_service_pb2.EmitEventRequest(
                    organization_id=named, lead_created=events_pb2.LeadCreated(call_id="call_py_emitter")
                ),
                timeout=10,
            )
            assert emitted.event.organization_id == org_id
        listing = subscriptions_pb2.ListSubscriptionsRequest(organization_id=org_id)
        assert refusal(lambda: emitter.subscriptions.ListSubscriptions(listing, timeout=10)) == (
            grpc.StatusCode.PERMISSION_DENIED
        )


def test_refused_subscription_names_the_bad_field(client: WebhooksClient) -> None:
    request = subscriptions_pb2.CreateSubscriptionRequest(
        organization_id=org("violations"),
        subscription=subscriptions_pb2.Subscription(
            url="ftp://hooks.example.com/webhook",
            integration=subscriptions_pb2.INTEGRATION_CUSTOM,
            event_types=ALL_TYPES,
        ),
        signing_secret=SECRET,
    )
    with pytest.raises(grpc.RpcError) as caught:
        client.subscriptions.CreateSubscription(request, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == [FieldViolation("subscription.url", "must use https")]
