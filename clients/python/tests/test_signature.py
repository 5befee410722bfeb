import datetime
import email.message
import math
from typing import Any, Dict, List, Union

import pytest

from inboundflow.webhooks import (
    SIGNATURE_HEADER,
    SIGNATURE_NEXT_HEADER,
    TIMESTAMP_HEADER,
    Reason,
    VerifyError,
    WebhookVerificationError,
    sign,
    verify,
)


def vector_headers(vector: Dict[str, Any]) -> Dict[str, str]:
    # Lowercase, as ASGI servers and the README's plain dict give them, and
    # canonical: verify must find both.
    headers = {}
    if vector["timestamp_header"] is not None:
        headers["x-inboundflow-timestamp"] = vector["timestamp_header"]
    if vector["signature_header"] is not None:
        headers[SIGNATURE_HEADER] = vector["signature_header"]
    if vector.get("signature_next_header") is not None:
        headers[SIGNATURE_NEXT_HEADER.lower()] = vector["signature_next_header"]
    return headers


def vector_secrets(vector: Dict[str, Any]) -> Union[str, List[str]]:
    """The case's secret alone, as most receivers give it, or all its secrets."""
    others: List[str] = vector.get("other_secrets") or []
    return [vector["secret"], *others] if others else vector["secret"]


def outcome(vector: Dict[str, Any]) -> str:
    try:
        verify(
            vector["body"].encode("utf-8"),
            vector_headers(vector),
            vector_secrets(vector),
            tolerance=vector["tolerance_seconds"],
            now=vector["now"],
        )
    except VerifyError as err:
        return err.reason.value
    return "ok"


def legacy_outcome(vector: Dict[str, Any]) -> str:
    try:
        with pytest.warns(DeprecationWarning):
            verify(
                vector["body"].encode("utf-8"),
                vector["timestamp_header"],
                vector["signature_header"],
                vector_secrets(vector),
                tolerance_seconds=vector["tolerance_seconds"],
                now=vector["now"],
            )
    except VerifyError as err:
        return err.reason.value
    return "ok"


def test_verify_matches_shared_vector(vector: Dict[str, Any]) -> None:
    assert outcome(vector) == vector["expected"]


def test_the_old_form_with_header_values_matches_shared_vector(single_header_vector: Dict[str, Any]) -> None:
    assert legacy_outcome(single_header_vector) == single_header_vector["expected"]


def test_sign_matches_shared_vector(signing_vector: Dict[str, Any]) -> None:
    v = signing_vector
    assert sign(v["secret"], int(v["timestamp_header"]), v["body"]) == v["signature_header"]


SIGNED = {TIMESTAMP_HEADER: "100", SIGNATURE_HEADER: sign("secret", 100, b"body")}


def test_headers_as_frameworks_give_them() -> None:
    message = email.message.Message()  # http.server's self.headers keeps the sender's case
    for name, value in SIGNED.items():
        message[name] = value
    sources = {
        "plain dict, lowercase": {k.lower(): v for k, v in SIGNED.items()},
        "plain dict, uppercase": {k.upper(): v for k, v in SIGNED.items()},
        "http.server": message,
        "ASGI byte pairs": [(k.lower().encode(), v.encode()) for k, v in SIGNED.items()],
        "list values": {k: [v] for k, v in SIGNED.items()},
    }
    for name, headers in sources.items():
        verify(b"body", headers, "secret", now=100)  # raises on failure: pytest names the case


def test_a_header_given_twice_is_malformed() -> None:
    message = email.message.Message()
    message[TIMESTAMP_HEADER] = "100"
    message[SIGNATURE_HEADER] = SIGNED[SIGNATURE_HEADER]
    message[SIGNATURE_HEADER] = SIGNED[SIGNATURE_HEADER]
    for headers in (message, {**SIGNED, SIGNATURE_HEADER.lower(): SIGNED[SIGNATURE_HEADER]}):
        with pytest.raises(VerifyError) as err:
            verify(b"body", headers, "secret", now=100)
        assert err.value.reason is Reason.MALFORMED_SIGNATURE


def test_headers_that_are_not_headers_are_missing() -> None:
    for headers in (None, 42, "X-InboundFlow-Timestamp: 100", [("only-one",)]):
        with pytest.raises(VerifyError) as err:
            verify(b"body", headers, "secret", now=100)  # type: ignore[arg-type]
        assert err.value.reason is Reason.MISSING_HEADER


def test_missing_signature_names_the_header() -> None:
    with pytest.raises(VerifyError) as err:
        verify(b"body", {TIMESTAMP_HEADER: "100"}, "secret", now=100)
    assert err.value.reason is Reason.MISSING_HEADER
    assert err.value.header == SIGNATURE_HEADER
    assert err.value.message == f"missing {SIGNATURE_HEADER} header" == str(err.value)


def test_the_old_error_name_still_catches() -> None:
    assert WebhookVerificationError is VerifyError


def test_default_tolerance_is_five_minutes() -> None:
    headers = {TIMESTAMP_HEADER: "1000", SIGNATURE_HEADER: sign("secret", 1000, b"")}
    verify(b"", headers, "secret", now=1300)
    with pytest.raises(VerifyError, match="301s away") as err:
        verify(b"", headers, "secret", now=1301)
    assert err.value.reason is Reason.STALE_TIMESTAMP


def test_tolerance_and_now_take_timedelta_and_datetime() -> None:
    headers = {TIMESTAMP_HEADER: "1000", SIGNATURE_HEADER: sign("secret", 1000, b"")}
    at = datetime.datetime.fromtimestamp(1060, tz=datetime.timezone.utc)
    verify(b"", headers, "secret", tolerance=datetime.timedelta(minutes=1), now=at)
    with pytest.raises(VerifyError) as err:
        verify(b"", headers, "secret", tolerance=datetime.timedelta(seconds=59), now=at)
    assert err.value.reason is Reason.STALE_TIMESTAMP


def test_options_that_are_not_finite_numbers_fail_as_stale() -> None:
    cases = [
        ({"tolerance": math.nan, "now": 100}, "tolerance must be a finite number of seconds, got nan"),
        ({"tolerance": "300", "now": 100}, "tolerance must be a finite number of seconds, got str"),
        ({"now": math.inf}, "now must be a finite number of unix seconds, got inf"),
    ]
    for options, message in cases:
        with pytest.raises(VerifyError) as err:
            verify(b"body", SIGNED, "secret", **options)  # type: ignore[arg-type]
        assert err.value.reason is Reason.STALE_TIMESTAMP
        assert err.value.message == f"cannot check the timestamp: {message}"


def test_a_body_that_is_not_bytes_fails_as_bad_signature() -> None:
    with pytest.raises(VerifyError) as err:
        verify({"parsed": "json"}, SIGNED, "secret", now=100)  # type: ignore[arg-type]
    assert err.value.reason is Reason.BAD_SIGNATURE
    assert err.value.message == "body is not the raw request bytes: expected bytes or str, got dict"
    verify(bytearray(b"body"), SIGNED, "secret", now=100)
    verify(memoryview(b"body"), SIGNED, "secret", now=100)


def test_a_secret_that_is_not_str_or_bytes_fails_as_bad_signature() -> None:
    for secret, kind in ((None, "NoneType"), (5, "int")):
        with pytest.raises(VerifyError) as err:
            verify(b"body", SIGNED, secret, now=100)  # type: ignore[arg-type]
        assert err.value.reason is Reason.BAD_SIGNATURE
        assert err.value.message == f"secret is not the signing secret: expected str or bytes, got {kind}"


def test_huge_timestamp_is_malformed_not_a_crash() -> None:
    with pytest.raises(VerifyError) as err:
        verify(b"", {TIMESTAMP_HEADER: "9" * 5000, SIGNATURE_HEADER: sign("secret", 1, b"")}, "secret", now=1)
    assert err.value.reason is Reason.MALFORMED_TIMESTAMP


def test_leading_zeros_parse_like_the_service() -> None:
    verify(b"", {TIMESTAMP_HEADER: "0" * 30 + "1000", SIGNATURE_HEADER: sign("secret", 1000, b"")}, "secret", now=1000)


def test_bytes_secret_equals_its_utf8_string() -> None:
    assert sign("clé", 1, b"x") == sign("clé".encode("utf-8"), 1, b"x")


def test_str_body_is_verified_as_its_utf8_bytes() -> None:
    body = '{"note": "café ☕"}'
    headers = {TIMESTAMP_HEADER: "100", SIGNATURE_HEADER: sign("secret", 100, body.encode("utf-8"))}
    verify(body, headers, "secret", now=100)
    verify(body.encode("utf-8"), headers, "secret", now=100)
    with pytest.raises(VerifyError) as err:
        verify(body + " ", headers, "secret", now=100)
    assert err.value.reason is Reason.BAD_SIGNATURE
