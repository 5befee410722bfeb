"""One gRPC channel to the service with a stub per service."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Callable, Optional, Sequence, Tuple, Type

import grpc

from inboundflow.webhooks.v1 import (
    api_keys_pb2_grpc,
    deliveries_pb2_grpc,
    event_service_pb2_grpc,
    subscriptions_pb2_grpc,
)


class _BearerToken(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds `authorization: Bearer <token>` to every call.

    An interceptor rather than call credentials, because gRPC only attaches
    call credentials to TLS channels and local development runs plaintext.
    """

    def __init__(self, token: str) -> None:
        self._metadata = ("authorization", f"Bearer {token}")

    def _with_token(self, details: Any) -> Any:
        metadata = list(details.metadata or []) + [self._metadata]
        return details._replace(metadata=metadata)

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation: Callable[..., Any], details: Any, requests: Any) -> Any:
        return continuation(self._with_token(details), requests)

    def intercept_stream_stream(self, continuation: Callable[..., Any], details: Any, requests: Any) -> Any:
        return continuation(self._with_token(details), requests)


class WebhooksClient:
    """Client of the InboundFlow Webhooks gRPC API.

    `address` is `host:port`. TLS with the system's roots is the default; pass
    `root_certificates` (and a client key pair) to change it, or
    `insecure=True` for plaintext to a local service. `bearer_token` is the
    API key, sent as `authorization: Bearer <key>` on every call: the service
    refuses every call but health checks without one (UNAUTHENTICATED), and
    calls the key's role does not allow (PERMISSION_DENIED).

    Use as a context manager, or call `close()`.
    """

    def __init__(
        self,
        address: str,
        *,
        insecure: bool = False,
        root_certificates: Optional[bytes] = None,
        private_key: Optional[bytes] = None,
        certificate_chain: Optional[bytes] = None,
        bearer_token: Optional[str] = None,
        options: Sequence[Tuple[str, Any]] = (),
    ) -> None:
        if not address:
            raise ValueError("address must be host:port")
        if insecure:
            channel = grpc.insecure_channel(address, options=options)
        else:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=root_certificates,
                private_key=private_key,
                certificate_chain=certificate_chain,
            )
            channel = grpc.secure_channel(address, credentials, options=options)
        self._channel = channel
        if bearer_token:
            channel = grpc.intercept_channel(channel, _BearerToken(bearer_token))
        self.subscriptions = subscriptions_pb2_grpc.SubscriptionServiceStub(channel)
        self.events = event_service_pb2_grpc.EventServiceStub(channel)
        self.deliveries = deliveries_pb2_grpc.DeliveryServiceStub(channel)
        self.api_keys = api_keys_pb2_grpc.ApiKeyServiceStub(channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "WebhooksClient":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()
