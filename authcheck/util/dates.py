"""The standard library's date and time classes, imported from the interpreter's C module.

`datetime` (the module) defines every class in Python first, then replaces them all with those of
its C accelerator, `_datetime`: about 1 ms of a process's start for classes it throws away, on
the path of a first command's check (its standby imports the letter-date, field and metadata code
that uses them).  These are the very classes `datetime` gives (`datetime.date is dates.date`), so
values compare, pickle and print as they always did; an interpreter without the C module gets the
pure-Python ones.  (Pickling one still imports `datetime`: pickle finds a class through the module
it names.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date, datetime, timedelta, timezone
else:
    try:
        from _datetime import date, datetime, timedelta, timezone
    except ImportError:  # pragma: no cover - an interpreter built without the accelerator
        from datetime import date, datetime, timedelta, timezone

__all__ = ["date", "datetime", "timedelta", "timezone"]
