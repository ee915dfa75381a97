"""A "module:function" reference, imported on first use: how the format tables name their code
without importing it (loaders/formats.py, reporters/formats.py)."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any


@functools.cache
def resolve(reference: str) -> Callable[..., Any]:
    """The function a "module:function" reference names, imported on first use."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
