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
    if "signing_vector" in metafunc.fixturenames:
        # ok cases whose headers are exactly what a signer produces.
        cases = [
            c
            for c in _vectors()
            if c["expected"] == "ok"
            and c["signature_header"] == c["signature_header"].strip().lower()
            and c["timestamp_header"] == c["timestamp_header"].strip()
        ]
        metafunc.parametrize("signing_vector", cases, ids=[c["name"] for c in cases])
