import json
import os
import pathlib
from typing import Any, Dict, List

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def _vectors() -> List[Dict[str, Any]]:
    path = os.environ.get("INBOUNDFLOW_VECTORS") or REPO / "tests" / "vectors" / "signatures.json"
    cases = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))["cases"]
    assert cases, "no vectors"
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "vector" in metafunc.fixturenames:
        cases = _vectors()
        metafunc.parametrize("vector", cases, ids=[c["name"] for c in cases])
    if "single_header_vector" in metafunc.fixturenames:
        # Cases without X-InboundFlow-Signature-Next, which the old form of
        # verify cannot be given.
        cases = [c for c in _vectors() if c.get("signature_next_header") is None]
        metafunc.parametrize("single_header_vector", cases, ids=[c["name"] for c in cases])
    if "signing_vector" in metafunc.fixturenames:
        # ok cases whose headers are exactly what a signer produces with the
        # case's one secret.
        cases = [
            c
            for c in _vectors()
            if c["expected"] == "ok"
            and c.get("signature_next_header") is None
            and not c.get("other_secrets")
            and c["signature_header"] == c["signature_header"].strip().lower()
            and c["timestamp_header"] == c["timestamp_header"].strip()
        ]
        metafunc.parametrize("signing_vector", cases, ids=[c["name"] for c in cases])
