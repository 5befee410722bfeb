from concurrent import futures
from typing import Iterator

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2

from inboundflow.webhooks import FieldViolation, WebhooksClient, field_violations
from inboundflow.webhooks.v1 import subscriptions_pb2, subscriptions_pb2_grpc


class RefusingSubscriptions(subscriptions_pb2_grpc.SubscriptionServiceServicer):
    """Answers CreateSubscription as the service answers a request with two bad fields."""

    def CreateSubscription(self, request, context):  # type: ignore[no-untyped-def]
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field="subscription.url", description="must use https"),
                error_details_pb2.BadRequest.FieldViolation(field="subscription.event_types", description="is required"),
            ]
        )
        status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="invalid request")
        status.details.add().Pack(bad_request)
        context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "invalid request")


@pytest.fixture
def address() -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    subscriptions_pb2_grpc.add_SubscriptionServiceServicer_to_server(RefusingSubscriptions(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(grace=None)


def test_field_violations_of_a_refused_call(address: str) -> None:
    with WebhooksClient(address, insecure=True, bearer_token="key") as client:
        with pytest.raises(grpc.RpcError) as caught:
            client.subscriptions.CreateSubscription(subscriptions_pb2.CreateSubscriptionRequest(), timeout=10)
    want = [
        FieldViolation("subscription.url", "must use https"),
        FieldViolation("subscription.event_types", "is required"),
    ]
    assert field_violations(caught.value) == want
    assert [(v.field, v.description) for v in want] == [tuple(v) for v in want]

    # Raised again from an application error, they stay readable.
    class SetupFailed(Exception):
        pass

    with pytest.raises(SetupFailed) as wrapped:
        try:
            raise caught.value
        except grpc.RpcError as err:
            raise SetupFailed("cannot subscribe") from err
    assert field_violations(wrapped.value) == want


def test_other_errors_have_no_field_violations() -> None:
    assert field_violations(ValueError("not a gRPC error")) == []

    class GarbledDetails(grpc.RpcError):
        def trailing_metadata(self) -> object:
            return (("grpc-status-details-bin", b"\xff\xff not a status"),)

    assert field_violations(GarbledDetails()) == []
