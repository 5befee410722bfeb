"""Python client of InboundFlow Webhooks.

`WebhooksClient` reaches the gRPC API; the generated messages and stubs are in
`inboundflow.webhooks.v1`. `field_violations` reads which fields a refused
call named. `verify` checks a received webhook's signature.
"""

from inboundflow.webhooks._client import WebhooksClient
from inboundflow.webhooks._headers import HeaderSource
from inboundflow.webhooks._signature import (
    DEFAULT_TOLERANCE_SECONDS,
    DELIVERY_ID_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_NEXT_HEADER,
    TIMESTAMP_HEADER,
    Reason,
    VerifyError,
    WebhookVerificationError,
    sign,
    verify,
)
from inboundflow.webhooks._violations import FieldViolation, field_violations

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "DELIVERY_ID_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "SIGNATURE_NEXT_HEADER",
    "TIMESTAMP_HEADER",
    "FieldViolation",
    "HeaderSource",
    "Reason",
    "VerifyError",
    "WebhookVerificationError",
    "WebhooksClient",
    "field_violations",
    "sign",
    "verify",
]
