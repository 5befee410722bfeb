"""Python client of InboundFlow Webhooks.

`WebhooksClient` reaches the gRPC API; the generated messages and stubs are in
`inboundflow.webhooks.v1`. `verify` checks a received webhook's signature.
"""

from inboundflow.webhooks._client import WebhooksClient
from inboundflow.webhooks._signature import (
    DEFAULT_TOLERANCE_SECONDS,
    DELIVERY_ID_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Reason,
    WebhookVerificationError,
    sign,
    verify,
)

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "DELIVERY_ID_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Reason",
    "WebhookVerificationError",
    "WebhooksClient",
    "sign",
    "verify",
]
