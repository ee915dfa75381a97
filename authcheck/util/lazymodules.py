"""Standard-library modules that a module imports but authcheck never uses through it, run when
something first uses them rather than when they are imported.

`zipfile` imports `pathlib` (for `zipfile.Path`, with `urllib.parse` and `ipaddress` behind it) and
`shutil` (for extracting members): ≈ 4.5 ms of a DOCX's first command, on its standby's path
(`batch/standby.py`), to read members from memory, which uses neither.  `defer(names)` puts each
named module that is not imported yet into `sys.modules` found but not yet run: `import pathlib`
anywhere later finds it there (its `__spec__`, `__name__`, `__file__` are set), and the first
attribute it lacks (`pathlib.Path`, `from pathlib import Path`) runs it, in place, so the module
object is the same before and after; an attribute `defer` was given an answer for is that answer,
`from module import it` included (the command's `pickle`: `cli/launcher.py`).
`importlib.util.LazyLoader` cannot do this on Python 3.11: it runs the module on any attribute
access, and the `import` statement itself reads `__spec__`.  A module already imported, or not
found, is left alone.

Only in a command's own processes: `enable()` (the console script's entry point, `cli/launcher.py`,
for a command it runs itself, before it forks its standby; the standby and workers inherit it) turns `defer` on, so a program that uses
authcheck as a library keeps its interpreter as it was, and so does the warm server (started as a
new interpreter, it imports everything its commands may use, once).  Only pure-Python modules
that are always present are deferred (an error in running one would surface where it is first
used).  Two threads that both use a deferred module first wait for one another, as with an import.
"""

from __future__ import annotations

import _thread
import sys
from types import ModuleType
from typing import Any

_enabled = False  #: `defer` works in this process (`enable`)
_lock = _thread.RLock()
_running: set[str] = set()  #: deferred modules being run now
_answers: dict[str, dict[str, Any]] = {}  #: what a deferred module answers without running, by its name


class _Deferred(ModuleType):
    """A module found, not yet run: its first missing attribute runs it (and makes it an ordinary
    module)."""

    def __getattr__(self, attr: str) -> Any:
        spec: Any = self.__spec__  # set by `defer`, with a loader that runs modules
        answer = _answers.get(spec.name, {}).get(attr) if type(self) is _Deferred else None
        if answer is not None:
            return answer
        if attr == "__path__" and spec.submodule_search_locations is None:
            # what `from module import name` asks first: a module that is not a package has none
            raise AttributeError(f"module {spec.name!r} has no attribute '__path__'")
        with _lock:
            if type(self) is _Deferred and spec.name not in _running:
                _running.add(spec.name)
                try:
                    spec.loader.exec_module(self)
                finally:
                    _running.discard(spec.name)
                self.__class__ = ModuleType  # type: ignore[assignment]
        if type(self) is _Deferred:  # asked for while it runs, by its own imports: as a partly run import
            raise AttributeError(f"partially initialized module {spec.name!r} has no attribute {attr!r}")
        return getattr(self, attr)


def enable() -> None:
    """Let `defer` work in this process and the processes it forks (authcheck's command line)."""
    global _enabled
    _enabled = True


def defer(*names: str, answering: dict[str, Any] | None = None) -> None:
    """Leave each of `names` (pure-Python standard-library modules) to run on first use, unless it
    is imported already or this process has not `enable`d it.  `answering`: attributes a deferred
    module gives without running (a function of the module's, written out the same), until
    something asks it for anything else."""
    if not _enabled:
        return
    import importlib.util

    for name in names:
        if name in sys.modules:
            continue
        if answering:
            _answers[name] = dict(answering)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _Deferred
        sys.modules[name] = module
