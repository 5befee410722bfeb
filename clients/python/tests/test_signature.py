from typing import Any, Dict

import pytest

from inboundflow.webhooks import (
    SIGNATURE_HEADER,
    Reason,
    WebhookVerificationError,
    sign,
    verify,
)


def outcome(vector: Dict[str, Any]) -> str:
    try:
        verify(
            vector["body"].encode("utf-8"),
            vector["timestamp_header"],
            vector["signature_header"],
            vector["secret"],
            tolerance_seconds=vector["tolerance_seconds"],
            now=vector["now"],
        )
    except WebhookVerificationError as err:
        return err.reason.value
    return "ok"


def test_verify_matches_shared_vector(vector: Dict[str, Any]) -> None:
    assert outcome(vector) == vector["expected"]


def test_sign_matches_shared_vector(signing_vector: Dict[str, Any]) -> None:
    v = signing_vector
    assert sign(v["secret"], int(v["timestamp_header"]), v["body"]) == v["signature_header"]


def test_missing_signature_names_the_header() -> None:
    with pytest.raises(WebhookVerificationError) as err:
        verify(b"body", "100", None, "secret", now=100)
    assert err.value.reason is Reason.MISSING_HEADER
    assert err.value.header == SIGNATURE_HEADER
    assert SIGNATURE_HEADER in str(err.value)


def test_default_tolerance_is_five_minutes() -> None:
    header = sign("secret", 1000, b"")
    verify(b"", "1000", header, "secret", now=1300)
    with pytest.raises(WebhookVerificationError, match="301s away") as err:
        verify(b"", "1000", header, "secret", now=1301)
    assert err.value.reason is Reason.STALE_TIMESTAMP


def test_huge_timestamp_is_malformed_not_a_crash() -> None:
    with pytest.raises(WebhookVerificationError) as err:
        verify(b"", "9" * 5000, sign("secret", 1, b""), "secret", now=1)
    assert err.value.reason is Reason.MALFORMED_TIMESTAMP


def test_leading_zeros_parse_like_the_service() -> None:
    verify(b"", "0" * 30 + "1000", sign("secret", 1000, b""), "secret", now=1000)


def test_bytes_secret_equals_its_utf8_string() -> None:
    assert sign("clé", 1, b"x") == sign("clé".encode("utf-8"), 1, b"x")


def test_str_body_is_verified_as_its_utf8_bytes() -> None:
    body = '{"note": "café ☕"}'
    header = sign("secret", 100, body.encode("utf-8"))
    verify(body, "100", header, "secret", now=100)
    verify(body.encode("utf-8"), "100", header, "secret", now=100)
    with pytest.raises(WebhookVerificationError) as err:
        verify(body + " ", "100", header, "secret", now=100)
    assert err.value.reason is Reason.BAD_SIGNATURE
