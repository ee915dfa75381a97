"""authcheck: is this letter from whom it claims (origin), and is it a final, signed, authorised act (authority)?

Library API (stable, documented in the README):

    check(path_or_bytes, *, name=None, settings=None, isolate=False) -> Result
    scan(paths, *, settings=None, jobs=None, ...) -> iterator of Result

The package root imports nothing when it is imported: each public name is loaded on first use
(PEP 562), so importing one of authcheck's modules never pulls in the whole package.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs every command milliseconds
if TYPE_CHECKING:
    from authcheck.api import check, scan
    from authcheck.errors import CheckError, ConfigError, RuleError
    from authcheck.model import Finding, Result
    from authcheck.settings import Limits, Settings
    from authcheck.version import __version__

#: public name -> the module that defines it
_PUBLIC = {
    "__version__": "authcheck.version",
    "check": "authcheck.api",
    "scan": "authcheck.api",
    "Result": "authcheck.model",
    "Finding": "authcheck.model",
    "Settings": "authcheck.settings",
    "Limits": "authcheck.settings",
    "CheckError": "authcheck.errors",
    "ConfigError": "authcheck.errors",
    "RuleError": "authcheck.errors",
}

__all__ = [
    "CheckError",
    "ConfigError",
    "Finding",
    "Limits",
    "Result",
    "RuleError",
    "Settings",
    "__version__",
    "check",
    "scan",
]


def __getattr__(name: str) -> object:
    """Load a public name on first use (PEP 562)."""
    try:
        module = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'authcheck' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
