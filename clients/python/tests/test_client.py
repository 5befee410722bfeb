from concurrent import futures
from typing import Iterator, List

import grpc
import pytest

from inboundflow.webhooks import WebhooksClient
from inboundflow.webhooks.v1 import (
    api_keys_pb2,
    api_keys_pb2_grpc,
    event_service_pb2,
    event_service_pb2_grpc,
    events_pb2,
)


class RecordingEvents(event_service_pb2_grpc.EventServiceServicer):
    def __init__(self) -> None:
        self.authorization: List[str] = []

    def GetEvent(self, request, context):  # type: ignore[no-untyped-def]
        self.authorization += [v for k, v in context.invocation_metadata() if k == "authorization"]
        return event_service_pb2.GetEventResponse(event=events_pb2.Event(id=request.event_id))


class RecordingApiKeys(api_keys_pb2_grpc.ApiKeyServiceServicer):
    def __init__(self, authorization: List[str]) -> None:
        self.authorization = authorization

    def ListApiKeys(self, request, context):  # type: ignore[no-untyped-def]
        self.authorization += [v for k, v in context.invocation_metadata() if k == "authorization"]
        return api_keys_pb2.ListApiKeysResponse(api_keys=[api_keys_pb2.ApiKey(id="key_1")])


@pytest.fixture
def server() -> Iterator[tuple]:
    events = RecordingEvents()
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    event_service_pb2_grpc.add_EventServiceServicer_to_server(events, srv)
    # Shares the record, so a test sees every call's authorization in order.
    api_keys_pb2_grpc.add_ApiKeyServiceServicer_to_server(RecordingApiKeys(events.authorization), srv)
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    yield f"127.0.0.1:{port}", events
    srv.stop(grace=None)


def test_bearer_token_is_sent_as_authorization_metadata(server: tuple) -> None:
    address, events = server
    with WebhooksClient(address, insecure=True, bearer_token="key_123") as client:
        response = client.events.GetEvent(
            event_service_pb2.GetEventRequest(organization_id="org", event_id="evt_1"), timeout=10
        )
        keys = client.api_keys.ListApiKeys(api_keys_pb2.ListApiKeysRequest(), timeout=10)
    assert response.event.id == "evt_1"
    assert [k.id for k in keys.api_keys] == ["key_1"]
    # The API key service shares the channel, and so the token.
    assert events.authorization == ["Bearer key_123", "Bearer key_123"]


def test_no_token_sends_no_authorization(server: tuple) -> None:
    address, events = server
    with WebhooksClient(address, insecure=True) as client:
        client.events.GetEvent(event_service_pb2.GetEventRequest(organization_id="o", event_id="e"), timeout=10)
    assert events.authorization == []


def test_empty_address_is_rejected() -> None:
    with pytest.raises(ValueError):
        WebhooksClient("")
