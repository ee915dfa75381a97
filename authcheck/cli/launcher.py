"""The console script's entry point: answer --version at once, run the CLI (in the warm server when
there is one, see `cli/warm.py`), leave without teardown."""

from __future__ import annotations

import os
import sys


def entry() -> None:
    """Run authcheck; flush and `os._exit` afterwards (interpreter teardown costs 100+ ms with the parsers loaded)."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # answered before click or anything heavy is imported
        from authcheck.version import __version__

        sys.stdout.write(f"authcheck, version {__version__}\n")
        settle()
        os._exit(0)
    import gc

    from authcheck import cli

    # Start-up makes tens of thousands of objects that live as long as the process (modules, classes,
    # Click's command line, the rules) and almost no garbage, yet the collector walked the young ones
    # every 700 allocations: 28 and 47 collections, about 5 ms in each of a first command's two
    # processes, on the path to its answer.  Off until the command line is read (`cli.main.main`);
    # the standby, forked meanwhile, turns it on before it checks a file (`batch.standby`).
    gc.disable()
    cli.STARTING_WITHOUT_GC = True
    from authcheck.cli import warm

    code = warm.run_warm(sys.argv[1:])
    cold = code is None
    if code is None:
        from authcheck.util import lazymodules

        lazymodules.enable()  # a command's own processes: modules they never use wait for a use
        if (3, 11) <= sys.version_info[:2] < (3, 13):  # where `cleandoc` below is the standard library's
            lazymodules.defer("inspect", answering={"cleandoc": cleandoc})
        if not warm.server_starting:  # the server's start needs the spare core
            from authcheck.batch import standby

            standby.start(sys.argv[1:])
        _defer_pickle()
        code = run_cli(warm.program_name())
    settle()
    settle_children()
    if cold:
        _save_patterns()
    os._exit(code)


def _defer_pickle() -> None:
    """`pickle` left unrun in the command (`util/lazymodules.py`): rich's `style`, which the console
    report imports while the command waits for its check, takes only `dumps` and `loads` from it,
    which are the C accelerator's own functions (pickle.py re-exports them): ≈ 0.9 ms of a console
    first command's path.  Anything else asked of pickle runs it.  After the standby's fork: the
    standby does not import pickle on its way to a check."""
    try:
        import _pickle
    except ImportError:
        return
    from authcheck.util import lazymodules

    lazymodules.defer("pickle", answering={"dumps": _pickle.dumps, "loads": _pickle.loads})


def cleandoc(doc: str) -> str | None:
    """`inspect.cleandoc` as Python 3.11 and 3.12 write it, for Click, which calls it for every
    option's help as the command line is built (and for help texts): a command's `inspect` is left
    unrun until something asks it for anything else (with the `ast`, `dis` and `tokenize` it imports,
    ≈ 6 ms; `util/lazymodules.py`)."""
    try:
        lines = doc.expandtabs().split("\n")
    except UnicodeError:
        return None
    margin = sys.maxsize  # the least indentation of the non-blank lines after the first
    for line in lines[1:]:
        content = len(line.lstrip())
        if content:
            margin = min(margin, len(line) - content)
    if lines:
        lines[0] = lines[0].lstrip()
    if margin < sys.maxsize:
        for i in range(1, len(lines)):
            lines[i] = lines[i][margin:]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def run_cli(prog_name: str) -> int:
    """The command line on `sys.argv`, in this process, which ends right after: its exit status."""
    from authcheck import batch
    from authcheck.cli.main import main

    batch.EXITING = True

    try:
        main(prog_name=prog_name)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def settle() -> None:
    """Flush the standard streams, ignoring a reader that went away."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError, AttributeError):
            pass


def _save_patterns() -> None:
    """Keep the patterns this command compiled for the next one (`util/patterns.py`), once its
    output is out and its workers have left: a worker adds what its checks compiled as it leaves
    (`workers._save_patterns`), and each save reads the table, adds to it and writes it whole, so
    two saves at once would keep only one's patterns."""
    patterns = sys.modules.get("authcheck.util.patterns")
    if patterns is not None:
        patterns.save()


def settle_children() -> None:
    """Wait for the scan workers this command left to exit on their own (see `batch.EXITING`), so
    none outlives it and their CPU time counts as this process's children's."""
    standby = sys.modules.get("authcheck.batch.standby")
    if standby is not None:
        standby.discard()
    pool = sys.modules.get("authcheck.batch.pool")
    if pool is not None:
        pool.reap_left()
