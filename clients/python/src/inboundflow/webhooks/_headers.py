"""Finding a header in whatever the web framework gives for a request's headers.

Header names are case-insensitive, and frameworks spell them differently
(http.server keeps the sender's case, Starlette and ASGI lowercase them, a
dict built by hand has any case), so every name is compared lowercased. All
values are collected, so that a header sent twice is seen twice.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Protocol, Tuple, Union


class SupportsItems(Protocol):
    """A mapping of header names to values, or anything with `items()`, such
    as `email.message.Message` (http.server) or werkzeug's `Headers`."""

    def items(self) -> Iterable[Tuple[Any, Any]]: ...


HeaderSource = Union[SupportsItems, Iterable[Tuple[Union[str, bytes], Union[str, bytes]]]]


def _text(value: object) -> str:
    # Header bytes are Latin-1 on the wire (ASGI passes them undecoded).
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


def header_values(headers: object, name: str) -> List[str]:
    """Every value of header `name` in `headers`; none when `headers` is not a
    header source at all, so that bad input reads as missing headers."""
    wanted = name.lower()
    items = getattr(headers, "items", None)
    found: List[str] = []
    try:
        pairs = items() if callable(items) else headers
        for pair in pairs:  # type: ignore[union-attr]
            key, value = pair
            if _text(key).lower() != wanted or value is None:
                continue
            # Some frameworks give a list of values per name.
            for one in value if isinstance(value, (list, tuple)) else (value,):
                if one is not None:
                    found.append(_text(one))
    except (TypeError, ValueError):
        return []
    return found
