"""Signing and verifying `X-InboundFlow-Signature`.

The header is `sha256=` + lowercase hex HMAC-SHA256, keyed by the signing
secret's UTF-8 bytes, over `"{X-InboundFlow-Timestamp}.{raw body}"`. The
checks, their order and their reasons are those of the service's own verifier
and of tests/vectors.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import time
from typing import Optional, Union

TIMESTAMP_HEADER = "X-InboundFlow-Timestamp"
SIGNATURE_HEADER = "X-InboundFlow-Signature"
EVENT_HEADER = "X-InboundFlow-Event"
DELIVERY_ID_HEADER = "X-InboundFlow-Delivery-Id"
DEFAULT_TOLERANCE_SECONDS = 300

# Unicode White_Space, the set the service trims; str.strip() would also drop
# \x1c-\x1f and so accept headers the other verifiers reject.
_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# [0-9], not \d, which also matches non-ASCII digits.
_TIMESTAMP = re.compile(r"[+-]?[0-9]+")
_SIGNATURE = re.compile(r"sha256=([0-9A-Fa-f]{64})")
_INT64 = range(-(2**63), 2**63)


class Reason(str, enum.Enum):
    """Why a webhook was rejected; the values match tests/vectors."""

    MISSING_HEADER = "missing_header"
    MALFORMED_TIMESTAMP = "malformed_timestamp"
    MALFORMED_SIGNATURE = "malformed_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_SIGNATURE = "bad_signature"


class WebhookVerificationError(Exception):
    """A received webhook did not verify; `reason` says why."""

    def __init__(self, reason: Reason, message: str, header: Optional[str] = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.header = header


def _key(secret: Union[str, bytes]) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _bytes(body: Union[bytes, str]) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def _mac(secret: Union[str, bytes], timestamp: int, body: bytes) -> bytes:
    return hmac.new(_key(secret), f"{timestamp}.".encode() + body, hashlib.sha256).digest()


def _parse_int64(text: str) -> Optional[int]:
    if not _TIMESTAMP.fullmatch(text):
        return None
    # int() refuses very long digit strings with ValueError; anything past 19
    # significant digits is out of range anyway.
    if len(text.lstrip("+-").lstrip("0")) > 19:
        return None
    value = int(text)
    return value if value in _INT64 else None


def sign(secret: Union[str, bytes], timestamp: int, body: Union[bytes, str]) -> str:
    """The X-InboundFlow-Signature value the service sends for `body` at `timestamp`."""
    return "sha256=" + _mac(secret, timestamp, _bytes(body)).hex()


def verify(
    body: Union[bytes, str],
    timestamp_header: Optional[str],
    signature_header: Optional[str],
    secret: Union[str, bytes],
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[int] = None,
) -> None:
    """Checks a received webhook, raising WebhookVerificationError if it fails.

    `body` must be the raw request bytes, not JSON parsed and re-encoded; a
    `str` body is taken as its UTF-8 encoding, as `sign` does. Pass
    the header values as received, or None when a header is absent. `now` is
    unix seconds, the current time by default.
    """
    if timestamp_header is None:
        raise WebhookVerificationError(
            Reason.MISSING_HEADER, f"missing {TIMESTAMP_HEADER} header", TIMESTAMP_HEADER
        )
    if signature_header is None:
        raise WebhookVerificationError(
            Reason.MISSING_HEADER, f"missing {SIGNATURE_HEADER} header", SIGNATURE_HEADER
        )
    timestamp = _parse_int64(timestamp_header.strip(_WHITESPACE))
    if timestamp is None:
        raise WebhookVerificationError(
            Reason.MALFORMED_TIMESTAMP,
            f"malformed {TIMESTAMP_HEADER} header: expected unix seconds",
        )
    match = _SIGNATURE.fullmatch(signature_header.strip(_WHITESPACE))
    if match is None:
        raise WebhookVerificationError(
            Reason.MALFORMED_SIGNATURE,
            f"malformed {SIGNATURE_HEADER} header: expected exactly one sha256=<64 hex digits>",
        )
    received = bytes.fromhex(match.group(1))
    age = (int(time.time()) if now is None else now) - timestamp
    if abs(age) > tolerance_seconds:
        raise WebhookVerificationError(
            Reason.STALE_TIMESTAMP,
            f"timestamp is {age}s away from now, beyond the {tolerance_seconds}s tolerance",
        )
    if not hmac.compare_digest(_mac(secret, timestamp, _bytes(body)), received):
        raise WebhookVerificationError(Reason.BAD_SIGNATURE, "signature does not match")
