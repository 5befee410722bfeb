"""verify across a signing secret rotation: several secrets, and X-InboundFlow-Signature-Next."""

import email.message
from typing import Any, Dict, List

import pytest

from inboundflow.webhooks import (
    SIGNATURE_HEADER,
    SIGNATURE_NEXT_HEADER,
    TIMESTAMP_HEADER,
    Reason,
    VerifyError,
    sign,
    verify,
)

OLD = "whsec_old_0123456789abcdef"
NEW = "whsec_new_fedcba9876543210"
NOW = 1709064000


def phase(name: str) -> Dict[str, str]:
    """The headers a receiver gets at one point of a rotation from OLD to NEW."""
    headers = {TIMESTAMP_HEADER: str(NOW)}
    if name in ("before", "during"):
        headers[SIGNATURE_HEADER] = sign(OLD, NOW, b"body")
    if name == "during":
        headers[SIGNATURE_NEXT_HEADER] = sign(NEW, NOW, b"body")
    if name == "after":
        headers[SIGNATURE_HEADER] = sign(NEW, NOW, b"body")
    return headers


def outcome(headers: Any, secret: Any) -> str:
    try:
        verify(b"body", headers, secret, now=NOW)
    except VerifyError as err:
        return err.reason.value
    return "ok"


def test_a_receiver_given_both_secrets_verifies_throughout_a_rotation() -> None:
    for name in ("before", "during", "after"):
        for secrets in ([OLD, NEW], [NEW, OLD], (OLD, NEW), [OLD.encode(), bytearray(NEW.encode())]):
            assert outcome(phase(name), secrets) == "ok", (name, secrets)


def test_a_receiver_given_one_secret_verifies_while_the_service_signs_with_it() -> None:
    expected = {
        OLD: {"before": "ok", "during": "ok", "after": "bad_signature"},
        NEW: {"before": "bad_signature", "during": "ok", "after": "ok"},
    }
    for secret, phases in expected.items():
        for name, reason in phases.items():
            assert outcome(phase(name), secret) == reason, (secret, name)
            assert outcome(phase(name), [secret]) == reason, (secret, name)


def test_the_next_header_as_frameworks_give_it() -> None:
    headers = {TIMESTAMP_HEADER: str(NOW), SIGNATURE_NEXT_HEADER: sign(NEW, NOW, b"body")}
    message = email.message.Message()
    for name, value in headers.items():
        message[name] = value
    sources = {
        "plain dict, lowercase": {k.lower(): v for k, v in headers.items()},
        "plain dict, uppercase": {k.upper(): v for k, v in headers.items()},
        "http.server": message,
        "ASGI byte pairs": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    for name, source in sources.items():
        assert outcome(source, NEW) == "ok", name


def test_a_malformed_next_header_is_named_even_when_the_other_matches() -> None:
    for value in ("sha256=nope", [sign(NEW, NOW, b"body")] * 2):
        headers = {**phase("before"), SIGNATURE_NEXT_HEADER: value}
        with pytest.raises(VerifyError) as err:
            verify(b"body", headers, [OLD, NEW], now=NOW)
        assert err.value.reason is Reason.MALFORMED_SIGNATURE
        assert err.value.header == SIGNATURE_NEXT_HEADER
        assert err.value.message == (
            f"malformed {SIGNATURE_NEXT_HEADER} header: expected exactly one sha256=<64 hex digits>"
        )


def test_without_either_signature_header_the_signature_is_missing() -> None:
    with pytest.raises(VerifyError) as err:
        verify(b"body", {TIMESTAMP_HEADER: str(NOW)}, [OLD, NEW], now=NOW)
    assert err.value.reason is Reason.MISSING_HEADER
    assert err.value.header == SIGNATURE_HEADER


def test_no_secrets_at_all_is_a_programming_error_whatever_the_request() -> None:
    empty: List[str] = []
    for headers in (phase("during"), {}):
        for secrets in (empty, ()):
            with pytest.raises(ValueError, match="at least one secret"):
                verify(b"body", headers, secrets, now=NOW)
    with pytest.raises(ValueError, match="at least one secret"), pytest.warns(DeprecationWarning):
        verify(b"body", str(NOW), sign(OLD, NOW, b"body"), empty, now=NOW)


def test_a_secret_in_the_sequence_that_is_not_str_or_bytes_fails_as_bad_signature() -> None:
    with pytest.raises(VerifyError) as err:
        verify(b"body", phase("during"), [OLD, None], now=NOW)  # type: ignore[list-item]
    assert err.value.reason is Reason.BAD_SIGNATURE
    assert err.value.message == "secret is not the signing secret: expected str or bytes, got NoneType"
