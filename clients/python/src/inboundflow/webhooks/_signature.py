"""Signing and verifying `X-InboundFlow-Signature`.

The header is `sha256=` + lowercase hex HMAC-SHA256, keyed by the signing
secret's UTF-8 bytes, over `"{X-InboundFlow-Timestamp}.{raw body}"`. During a
signing secret rotation's grace period, `X-InboundFlow-Signature-Next` holds
the same made with the new secret, and `X-InboundFlow-Signature` keeps the one
made with the old secret; a receiver given both secrets verifies throughout. The
checks, their order and their reasons are those of the service's own verifier
and of tests/vectors; the Go and TypeScript clients' verify take the same
inputs and options and fail with the same reasons.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import hmac
import math
import re
import time
import warnings
from collections.abc import Sequence
from typing import Any, List, Optional, Union, overload

from inboundflow.webhooks._headers import HeaderSource, header_values

TIMESTAMP_HEADER = "X-InboundFlow-Timestamp"
SIGNATURE_HEADER = "X-InboundFlow-Signature"
SIGNATURE_NEXT_HEADER = "X-InboundFlow-Signature-Next"
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

Secret = Union[str, bytes, bytearray]
Secrets = Union[Secret, Sequence[Secret]]
Body = Union[bytes, bytearray, memoryview, str]
Tolerance = Union[int, float, datetime.timedelta]
Now = Union[int, float, datetime.datetime]


class Reason(str, enum.Enum):
    """Why a webhook was rejected; the values match tests/vectors."""

    MISSING_HEADER = "missing_header"
    MALFORMED_TIMESTAMP = "malformed_timestamp"
    MALFORMED_SIGNATURE = "malformed_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_SIGNATURE = "bad_signature"


class VerifyError(Exception):
    """A received webhook did not verify: `reason` says why, `message` in words.

    `header` names the absent header for `Reason.MISSING_HEADER`
    (`SIGNATURE_HEADER` when neither signature header was sent), the malformed
    one for `Reason.MALFORMED_SIGNATURE`, else None.
    """

    def __init__(self, reason: Reason, message: str, header: Optional[str] = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.header = header


# The name of earlier releases.
WebhookVerificationError = VerifyError


def _key(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def _bytes(body: Body) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _mac(secret: Secret, timestamp: int, body: bytes) -> bytes:
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


def _seconds(value: object) -> Optional[float]:
    """A finite number of seconds from a number, timedelta or datetime, else None."""
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    elif isinstance(value, datetime.datetime):
        value = value.timestamp()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _describe(value: object) -> str:
    return repr(value) if isinstance(value, float) else type(value).__name__


def _secrets(secret: object) -> List[object]:
    """The secrets to try: the one given, or each of a sequence of them.

    Raises ValueError for an empty sequence, which would reject every webhook
    whatever it carries: a receiver's configuration error, not a bad request.
    """
    if isinstance(secret, (str, bytes, bytearray, memoryview)) or not isinstance(secret, Sequence):
        return [secret]
    if len(secret) == 0:
        raise ValueError("verify needs at least one secret, got an empty sequence")
    return list(secret)


def sign(secret: Secret, timestamp: int, body: Body) -> str:
    """The X-InboundFlow-Signature value the service sends for `body` at `timestamp`."""
    return "sha256=" + _mac(secret, timestamp, _bytes(body)).hex()


@overload
def verify(
    body: Body,
    headers: HeaderSource,
    secret: Secrets,
    *,
    tolerance: Tolerance = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[Now] = None,
) -> None: ...


@overload
def verify(
    body: Body,
    timestamp_header: Optional[str],
    signature_header: Optional[str],
    secret: Secrets,
    /,
    *,
    tolerance_seconds: Tolerance = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[Now] = None,
) -> None: ...


def verify(body: Any, headers: Any, secret: Any, *legacy: Any, **options: Any) -> None:
    """Checks a received webhook, raising VerifyError if it fails.

    `body` must be the raw request bytes, not JSON parsed and re-encoded; a
    `str` body is taken as its UTF-8 encoding, as `sign` does. `headers` are
    the request's headers as the framework gives them, names in any case: a
    plain dict, Flask's, Django's or Starlette's `request.headers`,
    `http.server`'s `self.headers`, or ASGI's list of byte pairs. `secret` is
    the subscription's signing secret, or a sequence of secrets: the webhook
    verifies when any of them matches `X-InboundFlow-Signature` or
    `X-InboundFlow-Signature-Next`, so a receiver given the old and the new
    secret verifies before, during and after a rotation. An empty sequence
    raises ValueError.

    `tolerance` (seconds or a timedelta, default 300) is how far the signed
    timestamp may be from `now` (unix seconds or a datetime, default the
    clock). Options that are not finite numbers fail with
    `Reason.STALE_TIMESTAMP`, as nothing can be checked against them.

    Earlier releases took the two header values instead of the headers,
    `verify(body, timestamp, signature, secret, tolerance_seconds=...)`: that
    form still works, and warns.
    """
    if legacy:
        if len(legacy) != 1:
            raise TypeError(f"verify takes 3 positional arguments (4 in the old form), got {3 + len(legacy)}")
        warnings.warn(
            "verify(body, timestamp_header, signature_header, secret) is deprecated: "
            "pass the request's headers, verify(body, headers, secret)",
            DeprecationWarning,
            stacklevel=2,
        )
        values = ((TIMESTAMP_HEADER, headers), (SIGNATURE_HEADER, secret))
        headers = [(name, value) for name, value in values if value is not None]
        secret = legacy[0]
    tolerance = options.pop("tolerance", options.pop("tolerance_seconds", DEFAULT_TOLERANCE_SECONDS))
    now = options.pop("now", None)
    if options:
        raise TypeError(f"verify got unexpected keyword arguments: {', '.join(sorted(options))}")
    _verify(body, headers, secret, tolerance, now)


def _verify(body: object, headers: object, secret: object, tolerance: object, now: object) -> None:
    secrets = _secrets(secret)
    timestamps = header_values(headers, TIMESTAMP_HEADER)
    if not timestamps:
        raise VerifyError(Reason.MISSING_HEADER, f"missing {TIMESTAMP_HEADER} header", TIMESTAMP_HEADER)
    signature_headers = [(name, header_values(headers, name)) for name in (SIGNATURE_HEADER, SIGNATURE_NEXT_HEADER)]
    if not any(values for _, values in signature_headers):
        raise VerifyError(Reason.MISSING_HEADER, f"missing {SIGNATURE_HEADER} header", SIGNATURE_HEADER)
    timestamp = _parse_int64(timestamps[0].strip(_WHITESPACE)) if len(timestamps) == 1 else None
    if timestamp is None:
        raise VerifyError(Reason.MALFORMED_TIMESTAMP, f"malformed {TIMESTAMP_HEADER} header: expected unix seconds")
    received: List[bytes] = []
    for name, values in signature_headers:
        if not values:
            continue
        # Two signatures, whether in one header or two, are malformed: the
        # service never sends more than one per header name.
        match = _SIGNATURE.fullmatch(values[0].strip(_WHITESPACE)) if len(values) == 1 else None
        if match is None:
            raise VerifyError(
                Reason.MALFORMED_SIGNATURE,
                f"malformed {name} header: expected exactly one sha256=<64 hex digits>",
                name,
            )
        received.append(bytes.fromhex(match.group(1)))
    tolerance_seconds = _seconds(tolerance)
    if tolerance_seconds is None:
        raise VerifyError(
            Reason.STALE_TIMESTAMP,
            "cannot check the timestamp: tolerance must be a finite number of seconds, "
            f"got {_describe(tolerance)}",
        )
    now_seconds = _seconds(time.time() if now is None else now)
    if now_seconds is None:
        raise VerifyError(
            Reason.STALE_TIMESTAMP,
            f"cannot check the timestamp: now must be a finite number of unix seconds, got {_describe(now)}",
        )
    age = math.floor(now_seconds) - timestamp
    limit = math.trunc(tolerance_seconds)
    if abs(age) > limit:
        raise VerifyError(
            Reason.STALE_TIMESTAMP, f"timestamp is {age}s away from now, beyond the {limit}s tolerance"
        )
    if not isinstance(body, (bytes, bytearray, memoryview, str)):
        raise VerifyError(
            Reason.BAD_SIGNATURE,
            f"body is not the raw request bytes: expected bytes or str, got {type(body).__name__}",
        )
    keys: List[Secret] = []
    for one in secrets:
        if not isinstance(one, (str, bytes, bytearray)):
            raise VerifyError(
                Reason.BAD_SIGNATURE,
                f"secret is not the signing secret: expected str or bytes, got {type(one).__name__}",
            )
        keys.append(one)
    # Every pair is compared, without stopping at a match, so the time taken
    # does not tell which secret or header matched.
    matched = False
    for key in keys:
        expected = _mac(key, timestamp, _bytes(body))
        for signature in received:
            matched = hmac.compare_digest(expected, signature) or matched
    if not matched:
        raise VerifyError(Reason.BAD_SIGNATURE, "signature does not match")
