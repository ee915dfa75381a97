"""The console script's entry point: answer --version at once, run the CLI, leave without teardown."""

from __future__ import annotations

import os
import sys


def entry() -> None:
    """Run authcheck; flush and `os._exit` afterwards (interpreter teardown costs 100+ ms with the parsers loaded)."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # answered before click or anything heavy is imported
        from authcheck.version import __version__

        sys.stdout.write(f"authcheck, version {__version__}\n")
        sys.stdout.flush()
        os._exit(0)
    from authcheck.cli.main import main

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass
    os._exit(code)
