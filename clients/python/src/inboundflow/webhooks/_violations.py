"""Reading the fields a refused call names (`google.rpc.BadRequest`).

gRPC carries them in the `grpc-status-details-bin` trailer as a
`google.rpc.Status`, which grpcio leaves undecoded.
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional

from google.protobuf.message import DecodeError
# googleapis-common-protos has .pyi files but no py.typed marker, and the
# protobuf stubs claim the whole `google` package: mypy cannot see these.
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]

_DETAILS_TRAILER = "grpc-status-details-bin"


class FieldViolation(NamedTuple):
    """One invalid field of a refused request."""

    field: str
    """The field's path in the request, such as `subscription.url`."""
    description: str
    """What is wrong with it, such as `must use https`."""


def _status_details(error: BaseException) -> Optional[bytes]:
    trailing_metadata = getattr(error, "trailing_metadata", None)
    if not callable(trailing_metadata):
        return None
    for key, value in trailing_metadata() or ():
        if key == _DETAILS_TRAILER and isinstance(value, bytes):
            return value
    return None


def field_violations(error: BaseException) -> List[FieldViolation]:
    """The fields that made the service refuse a call with INVALID_ARGUMENT.

    `error` is the `grpc.RpcError` a call raised (or `grpc.aio.AioRpcError`),
    or an exception raised from one (`raise ... from err`). The list is in
    the order the service gave; it is empty for any other error.
    """
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        details = _status_details(current)
        if details is not None:
            return _decode(details)
        current = current.__cause__ or current.__context__
    return []


def _decode(details: bytes) -> List[FieldViolation]:
    status = status_pb2.Status()
    violations: List[FieldViolation] = []
    try:
        status.ParseFromString(details)
        for detail in status.details:
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(bad_request):
                violations += [FieldViolation(v.field, v.description) for v in bad_request.field_violations]
    except DecodeError:
        return []
    return violations
