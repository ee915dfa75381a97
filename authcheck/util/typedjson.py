"""JSON that gives back exactly the values YAML's safe loader builds (for the parsed-rule cache).

Plain JSON turns a date into a string and an integer key into a string key, so a rule read from
the cache would differ from the same rule parsed afresh.  `encode` tags every value JSON cannot
carry as itself: {"$": "date", "v": "2020-01-06"}; mappings are always tagged ({"$": "map",
"v": [[key, value], ...]}), so no user mapping can be mistaken for a tag.  `decode` reverses it.
A type that is not handled raises TypeError (the value is then not cached).
`loads` parses and decodes in one pass (what a warm run reads), giving what `decode` gives.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any


def encode(value: Any) -> Any:
    """A JSON-able form of `value` that `decode` turns back into an equal value of the same types."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$": "map", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, dt.datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$": "set", "v": [encode(v) for v in value]}
    if isinstance(value, bytes):
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot encode {type(value).__name__}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "map": lambda v: {_hashable(decode(k)): decode(x) for k, x in v},
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "tuple": lambda v: tuple(decode(x) for x in v),
    "set": lambda v: {_hashable(decode(x)) for x in v},
    "bytes": lambda v: base64.b64decode(v.encode("ascii"), validate=True),
}


def decode(value: Any) -> Any:
    """The value `encode` was given; raises ValueError on anything `encode` cannot have made."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict) and set(value) == {"$", "v"} and value["$"] in _DECODERS:
        return _DECODERS[value["$"]](value["v"])
    raise ValueError("not an encoded value")


def _hashable(key: Any) -> Any:
    if isinstance(key, (list, dict, set)):
        raise ValueError("unhashable key")
    return key


_FLAT: dict[str, Callable[[Any], Any]] = {  # the same tags, applied to values already decoded (inside out)
    "map": lambda v: {_hashable(k): x for k, x in v},
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "tuple": tuple,
    "set": lambda v: {_hashable(x) for x in v},
    "bytes": lambda v: base64.b64decode(v.encode("ascii"), validate=True),
}


def _tagged(value: dict) -> Any:
    if len(value) == 2 and "$" in value and "v" in value and value["$"] in _FLAT:
        return _FLAT[value["$"]](value["v"])
    raise ValueError("not an encoded value")


def loads(text: str) -> Any:
    """`decode(json.loads(text))` in one pass: every JSON object is a tag, decoded as the parser
    builds it; raises ValueError on anything `encode` cannot have made."""
    return json.loads(text, object_hook=_tagged)
