"""Writes signatures.json: the shared webhook signature test vectors.

Signatures are computed here with Python's hmac and cross-checked with the
openssl command line, independently of every verifier under test. Rerun after
changing a case:  python3 tests/vectors/generate.py
"""

import hashlib
import hmac
import json
import pathlib
import subprocess

NOW = 1709064000
TOLERANCE = 300
SECRET = "whsec_test_0123456789abcdef"


def body(event: str, data: dict) -> str:
    """A webhook body as the service sends it: the JSON.stringify form."""
    envelope = {
        "event": event,
        "timestamp": "2024-02-27T20:00:00.000Z",
        "organization_id": "org_vectors",
        "delivery_id": "0190f2a4-5b6c-7d8e-9f00-112233445566",
        "data": data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def sign(secret: str, timestamp: int, text: str) -> str:
    message = f"{timestamp}.".encode() + text.encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    with_openssl = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret, "-r"],
        input=message,
        capture_output=True,
        check=True,
    ).stdout.split()[0].decode()
    assert digest == with_openssl, (digest, with_openssl)
    return f"sha256={digest}"


def completed(**overrides: object) -> dict:
    data = {
        "call_id": "call_123",
        "caller_phone": "+1234567890",
        "caller_name": "Ada Lovelace",
        "caller_email": "ada@example.com",
        "duration_seconds": 185,
        "summary": "Wants an oil change on Friday.",
        "intent": "book appointment",
        "urgency": "medium",
        "recording_url": "https://recordings.example.com/call_123.mp3",
        "started_at": "2024-02-27T19:56:00Z",
        "ended_at": "2024-02-27T19:59:05Z",
    }
    data.update(overrides)
    return data


PLAIN = body("call.completed", completed())
NON_ASCII = body("call.completed", completed(caller_name="José Ñúñez", summary="Llamó José Ñúñez: ¿cita el sábado? Größe, 東京, Ελλάδα"))
EMOJI = body("lead.created", {
    "call_id": "call_emoji", "caller_phone": "+447700900123", "caller_name": "Zoë 👩🏽‍🔧",
    "caller_email": None, "intent": "pricing inquiry", "urgency": "high",
    "interest": "paint 🚗✨", "call_summary": "Caller sent 🎉🔥 and said \"wow\" 😀",
})
QUOTES = body("call.transferred", {
    "call_id": "call_quotes", "caller_phone": "+15550001111", "caller_name": "O'Brien \"Bob\"",
    "duration_seconds": 42, "summary": "Path C:\\Users\\bob\\car.txt and a \"quoted\" word; tab\there",
    "transferred_to_label": "Manager", "transferred_to_number": "+15550002222",
    "urgency": "low", "reason": "asked for \\ a human / now",
})
CONTROL = body("call.completed", completed(summary="line one\nline two\r\nunit\u001fsep\u0000nul\u0008bs\u000cff\u007fdel"))
SEPARATORS = body("appointment.booked", {
    "call_id": "call_u2028", "caller_phone": "+15550003333", "caller_name": "Line\u2028Separator",
    "appointment_date": "2024-03-01", "appointment_time_start": "2024-03-01T15:00:00Z",
    "appointment_time_end": "2024-03-01T16:00:00Z", "service_type": "Para\u2029graph",
    "calendar_event_id": "evt_1", "calendar_event_link": "https://calendar.example.com/evt_1",
})
NULLS = body("lead.created", {
    "call_id": "call_nulls", "caller_phone": None, "caller_name": None, "caller_email": None,
    "intent": None, "urgency": None, "interest": None, "call_summary": None,
})


def case(name, description, *, text=PLAIN, secret=SECRET, timestamp=NOW, signature=None,
         timestamp_header=None, now=NOW, expected="ok", signed_with=None, next_signature=None,
         other_secrets=None):
    """signed_with=(secret, timestamp, text) when the header signs something else.

    next_signature and other_secrets, for rotations, are left out of the case
    when None, as readers of the first schema expect.
    """
    if signature is None:
        s_secret, s_timestamp, s_text = signed_with or (secret, timestamp, text)
        signature = sign(s_secret, s_timestamp, s_text)
    c = {
        "name": name,
        "description": description,
        "secret": secret,
        "body": text,
        "timestamp_header": str(timestamp) if timestamp_header is None else timestamp_header,
        "signature_header": signature,
        "now": now,
        "tolerance_seconds": TOLERANCE,
        "expected": expected,
    }
    if next_signature is not None:
        c["signature_next_header"] = next_signature
    if other_secrets is not None:
        c["other_secrets"] = other_secrets
    return c


def missing(c, key):
    c[key] = None
    return c


GOOD = sign(SECRET, NOW, PLAIN)
HEX = GOOD.removeprefix("sha256=")

# A rotation from OLD to NEW: during the grace X-InboundFlow-Signature is made
# with OLD and X-InboundFlow-Signature-Next with NEW; after it, only
# X-InboundFlow-Signature, made with NEW.
OLD = SECRET
NEW = "whsec_next_fedcba9876543210"
BY_OLD = GOOD
BY_NEW = sign(NEW, NOW, PLAIN)
BY_NEITHER = sign("whsec_other_0123456789abcdef", NOW, PLAIN)


def grace(name, description, secrets, expected="ok", signature=BY_OLD, next_signature=BY_NEW, **kwargs):
    """A delivery during a rotation's grace, verified with secrets[0] plus the rest."""
    return case(name, description, secret=secrets[0], other_secrets=secrets[1:] or None,
                signature=signature, next_signature=next_signature, expected=expected, **kwargs)

CASES = [
    case("plain_call_completed", "An ASCII call.completed body."),
    case("non_ascii_name", "José Ñúñez and other non-ASCII text, written raw as UTF-8.", text=NON_ASCII),
    case("emoji", "Emoji, including a ZWJ sequence and skin tone, and null fields.", text=EMOJI),
    case("quotes_and_backslashes", "Escaped quotes and backslashes.", text=QUOTES),
    case("control_characters", "Newline, CRLF, \\u001f, \\u0000, \\b, \\f escaped as JSON does; DEL raw.", text=CONTROL),
    case("line_separators", "U+2028 and U+2029 raw (JSON.stringify does not escape them).", text=SEPARATORS),
    case("all_nulls", "Every optional field null.", text=NULLS),
    case("empty_body", "An empty body still signs \"{timestamp}.\".", text=""),
    case("non_ascii_secret", "The key is the secret's UTF-8 bytes.", secret="clé-secrète-ñ-🔑-0123456789"),
    case("timestamp_at_tolerance_past", "Exactly 300 s old is still accepted.", now=NOW + TOLERANCE),
    case("timestamp_at_tolerance_future", "Exactly 300 s ahead is still accepted.", now=NOW - TOLERANCE),
    case("header_whitespace", "Surrounding spaces in both headers are ignored.",
         timestamp_header=f" {NOW} ", signature=f" {GOOD} "),
    case("uppercase_hex", "Hex digits are compared as bytes, so uppercase is accepted.",
         signature="sha256=" + HEX.upper()),
    case("tampered_body", "One character of the body changed after signing.",
         text=PLAIN.replace("185", "186"), signed_with=(SECRET, NOW, PLAIN), expected="bad_signature"),
    case("reserialized_body", "The same JSON re-encoded with spaces: verifiers must use the raw body.",
         text=json.dumps(json.loads(PLAIN), ensure_ascii=False, indent=2),
         signed_with=(SECRET, NOW, PLAIN), expected="bad_signature"),
    case("ascii_escaped_body", "Non-ASCII re-encoded as \\u escapes no longer matches.",
         text=json.dumps(json.loads(NON_ASCII), separators=(",", ":")),
         signed_with=(SECRET, NOW, NON_ASCII), expected="bad_signature"),
    case("wrong_secret", "Signed with another secret.",
         signed_with=("whsec_other_0123456789abcdef", NOW, PLAIN), expected="bad_signature"),
    case("timestamp_swapped", "A fresh timestamp header on a signature made for another time.",
         signed_with=(SECRET, NOW - 60, PLAIN), expected="bad_signature"),
    case("stale_timestamp", "301 s old.", now=NOW + TOLERANCE + 1, expected="stale_timestamp"),
    case("future_timestamp", "301 s ahead.", now=NOW - TOLERANCE - 1, expected="stale_timestamp"),
    case("stale_and_tampered", "Staleness is reported before the signature is checked.",
         text=PLAIN + " ", signed_with=(SECRET, NOW, PLAIN), now=NOW + 3600, expected="stale_timestamp"),
    case("two_signatures_comma", "Two signatures in one header (rotation style) are malformed.",
         signature=f"{GOOD},{sign('whsec_other_0123456789abcdef', NOW, PLAIN)}", expected="malformed_signature"),
    case("two_signatures_space", "Two signatures separated by a space are malformed.",
         signature=f"{GOOD} {GOOD}", expected="malformed_signature"),
    case("signature_without_prefix", "Bare hex without sha256=.", signature=HEX, expected="malformed_signature"),
    case("signature_wrong_scheme", "sha1= is not accepted.", signature="sha1=" + HEX, expected="malformed_signature"),
    case("signature_too_short", "63 hex digits.", signature=GOOD[:-1], expected="malformed_signature"),
    case("signature_not_hex", "64 characters that are not all hex.",
         signature="sha256=" + "g" * 64, expected="malformed_signature"),
    case("signature_empty", "An empty signature header is present but malformed.",
         signature="", expected="malformed_signature"),
    case("timestamp_not_a_number", "A timestamp that is not an integer.",
         timestamp_header="yesterday", expected="malformed_timestamp"),
    case("timestamp_fractional", "Fractional seconds are not unix seconds.",
         timestamp_header=f"{NOW}.5", expected="malformed_timestamp"),
    case("timestamp_empty", "An empty timestamp header is present but malformed.",
         timestamp_header="", expected="malformed_timestamp"),
    case("timestamp_overflow", "Beyond a signed 64-bit integer.",
         timestamp_header="99999999999999999999", expected="malformed_timestamp"),
    case("malformed_timestamp_before_signature", "The timestamp is checked before the signature.",
         timestamp_header="soon", signature="nope", expected="malformed_timestamp"),
    missing(case("missing_timestamp", "No X-InboundFlow-Timestamp header.", expected="missing_header"),
            "timestamp_header"),
    missing(case("missing_signature", "No X-InboundFlow-Signature header (an unsigned delivery).",
                 expected="missing_header"), "signature_header"),
    missing(missing(case("missing_both", "Neither header.", expected="missing_header"),
                    "timestamp_header"), "signature_header"),
    grace("rotation_grace_old_secret", "During the grace, a receiver that still has only the old secret.", [OLD]),
    grace("rotation_grace_new_secret", "During the grace, a receiver given only the new secret passes "
          "through X-InboundFlow-Signature-Next.", [NEW]),
    grace("rotation_grace_old_and_new", "During the grace, a receiver given both secrets, old first.", [OLD, NEW]),
    grace("rotation_grace_new_and_old", "During the grace, a receiver given both secrets, new first.", [NEW, OLD]),
    grace("rotation_after_grace_old_and_new", "After the grace only X-InboundFlow-Signature is sent, made with "
          "the new secret: a receiver still given both passes.", [OLD, NEW], signature=BY_NEW, next_signature=None),
    grace("rotation_after_grace_old_secret", "After the grace, a receiver that has only the old secret fails.",
          [OLD], signature=BY_NEW, next_signature=None, expected="bad_signature"),
    missing(grace("only_next_signature", "Only X-InboundFlow-Signature-Next is present: it is enough.", [NEW]),
            "signature_header"),
    missing(grace("only_next_signature_wrong_secret", "Only X-InboundFlow-Signature-Next is present, and the "
                  "receiver has only the old secret.", [OLD], expected="bad_signature"), "signature_header"),
    grace("rotation_neither_matches", "Both signature headers present, and neither matches any given secret.",
          ["whsec_unrelated_0123456789ab", "whsec_unrelated_ba9876543210"], expected="bad_signature"),
    grace("next_signature_malformed", "A malformed X-InboundFlow-Signature-Next fails even though "
          "X-InboundFlow-Signature matches.", [OLD], next_signature="sha256=" + "z" * 64,
          expected="malformed_signature"),
    grace("next_signature_two_values", "Two signatures in X-InboundFlow-Signature-Next are malformed.", [OLD, NEW],
          next_signature=f"{BY_NEW},{BY_OLD}", expected="malformed_signature"),
    grace("signature_malformed_next_good", "A malformed X-InboundFlow-Signature fails even though "
          "X-InboundFlow-Signature-Next matches.", [NEW], signature=HEX, expected="malformed_signature"),
    grace("next_signature_malformed_before_stale", "Both signature headers' formats are checked before the "
          "timestamp's age.", [OLD], next_signature="", now=NOW + 3600, expected="malformed_signature"),
    grace("rotation_stale", "Both signatures match but the timestamp is 301 s old.", [OLD, NEW],
          now=NOW + TOLERANCE + 1, expected="stale_timestamp"),
    missing(grace("rotation_missing_timestamp", "The timestamp header is checked first, during a rotation too.",
                  [OLD], expected="missing_header"), "timestamp_header"),
]


def main() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    document = {
        "description": "Webhook signature test vectors; schema in README.md beside this file.",
        "cases": CASES,
    }
    out = pathlib.Path(__file__).with_name("signatures.json")
    out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
