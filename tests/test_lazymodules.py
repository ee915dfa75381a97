"""util/lazymodules.py: modules found at import, run on first use (zipfile's pathlib and shutil;
inspect in a standby), in a command's own processes only.

Each test runs in a fresh interpreter: pytest has imported pathlib and shutil long before, and a
deferred module lives in `sys.modules` for the rest of its process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def _fresh(code: str, *args: str, tmp_path: Path | None = None) -> dict:
    """Run `code` in a new interpreter (the repository first on its path); its last stdout line as JSON."""
    env_path = [str(ROOT)] + ([str(tmp_path)] if tmp_path else [])
    prelude = f"import sys\nsys.path[:0] = {env_path!r}\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(tmp_path or ROOT),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_deferred_module_is_found_at_import_and_runs_once_on_first_use():
    seen = _fresh(
        """
        import json, sys
        from authcheck.util.lazymodules import defer, enable
        enable()
        defer("pathlib", "shutil")
        import pathlib  # the import statement itself leaves it unrun
        module = sys.modules["pathlib"]
        before = "PurePath" in vars(module)
        from pathlib import PurePosixPath  # the first missing attribute runs it
        print(json.dumps({
            "before": before,
            "same": sys.modules["pathlib"] is module and pathlib is module,
            "works": PurePosixPath("a/b.docx").suffix,
            "ordinary": type(module).__name__,
            "shutil_unrun": "copyfileobj" not in vars(sys.modules["shutil"]),
        }))
        """
    )
    assert seen == {"before": False, "same": True, "works": ".docx", "ordinary": "module", "shutil_unrun": True}


def test_a_module_already_imported_is_left_alone():
    seen = _fresh(
        """
        import json, sys, pathlib
        module = sys.modules["pathlib"]
        from authcheck.util.lazymodules import defer, enable
        enable()
        defer("pathlib", "no_such_module_here")
        print(json.dumps([sys.modules["pathlib"] is module, type(module).__name__, "no_such_module_here" in sys.modules]))
        """
    )
    assert seen == [True, "module", False]


def test_two_threads_that_first_use_a_deferred_module_run_it_once(tmp_path):
    (tmp_path / "counted.py").write_text(
        "import builtins, time\nbuiltins.__dict__.setdefault('counted_runs', []).append(1)\ntime.sleep(0.2)\nVALUE = 7\n"
    )
    seen = _fresh(
        """
        import builtins, json, threading
        from authcheck.util.lazymodules import defer, enable
        enable()
        defer("counted")
        import counted
        got = []
        threads = [threading.Thread(target=lambda: got.append(counted.VALUE)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(json.dumps([got, len(builtins.counted_runs)]))
        """,
        tmp_path=tmp_path,
    )
    assert seen == [[7, 7, 7, 7], 1]


def test_a_docx_is_checked_without_running_zipfiles_pathlib_or_shutil():
    seen = _fresh(
        """
        import json, sys
        from authcheck.util.lazymodules import enable
        enable()  # as the command line does (cli/launcher.py)
        from authcheck.batch.pipeline import check_path
        from authcheck.engine.rulepack import ruleset_for
        from authcheck.settings import Settings
        result = check_path(sys.argv[1], Settings(), ruleset_for(Settings()))
        print(json.dumps([result.format, result.error is None, *(
            type(sys.modules[name]).__name__ if name in sys.modules else "absent" for name in ("pathlib", "shutil")
        )]))
        """,
        str(SAMPLES / "draft-memo.docx"),
    )
    assert seen == ["docx", True, "_Deferred", "_Deferred"]


def test_a_program_using_authcheck_as_a_library_keeps_its_imports_as_they_were():
    seen = _fresh(
        """
        import json, sys
        from authcheck.loaders import ooxml  # imports zipfile, without `enable`
        print(json.dumps([type(sys.modules[m]).__name__ for m in ("pathlib", "shutil")] + [
            "PurePath" in vars(sys.modules["pathlib"]), "copyfileobj" in vars(sys.modules["shutil"])]))
        """
    )
    assert seen == ["module", "module", True, True]


def test_the_command_line_enables_it_first():
    code = """
        import os, sys
        from authcheck.util import lazymodules
        _exit = os._exit
        def leave(code):
            print(json.dumps([lazymodules._enabled, code]))
            sys.stdout.flush()
            _exit(0)
        os._exit = leave
        import json
        sys.argv = ["authcheck", "--help"]
        from authcheck.cli import launcher
        launcher.entry()
        """
    env = {**os.environ, "AUTHCHECK_SERVER": "off"}
    prelude = f"import sys\nsys.path[:0] = {[str(ROOT)]!r}\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, timeout=120, env=env
    )
    assert json.loads(done.stdout.splitlines()[-1]) == [True, 0]


PROBE = '''
import os, sys
from authcheck.model import Result


def check(path, settings, ruleset):
    """Where it runs: its pid, whether inspect is still unrun there, and that it runs when used."""
    state = type(sys.modules.get("inspect")).__name__
    import inspect

    import gc

    fields = {"pid": os.getpid(), "inspect": state, "cleandoc": inspect.cleandoc("  used"), "frozen": gc.get_freeze_count() > 0}
    return Result(path=path, sha256=None, format="text", verdict="pass", score=0, axes={}, reason="",
                  findings=(), fields=fields)
'''


def test_the_standby_leaves_inspect_unrun_and_runs_it_when_a_check_uses_it(tmp_path):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("a standby needs two usable cores")
    (tmp_path / "probe.py").write_text(PROBE)
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear Sir,\nA letter.\n")
    seen = _fresh(
        """
        import json, sys
        from authcheck.util.lazymodules import enable
        enable()  # as the command line does, before it forks its standby
        from authcheck.batch import standby
        before = "inspect" in sys.modules  # the launcher forks it as early: before Click and dataclasses
        standby.start([sys.argv[1]])
        pid = standby._held[0].pid
        from authcheck.batch.discover import Target
        from authcheck.batch.pool import scan
        from authcheck.engine.rulepack import load_ruleset
        from authcheck.settings import Settings
        import probe
        (result,) = scan([Target(sys.argv[1])], Settings(), load_ruleset(), jobs=1, check=probe.check)
        print(json.dumps([before, result.fields.pop("pid") == pid, result.fields]))
        """,
        str(letter),
        tmp_path=tmp_path,
    )
    # and it froze what its imports and rules made (the check's collections skip those objects)
    assert seen == [False, True, {"inspect": "_Deferred", "cleandoc": "used", "frozen": True}]


CLEANDOC_CASES = [
    "",
    "one line",
    "  leading spaces\n    indented\n  less\n",
    "\n\n  Title\n\n      body\n    more\n\n\n",
    "\tTabbed\n\t\tdeeper\n\tback",
    "first\n \f form feed\n \v vertical tab\n",
    "first\n\u3000ideographic space\n\u3000\u3000two\n",
    "first\n   \n      \n   text\n",
    "x\r\n  carriage returns\r\n  here",
    " " * 5,
    "\n".join(" " * (i % 7) + "word" * (i % 3) for i in range(40)),
]


@pytest.mark.skipif(
    not (3, 11) <= sys.version_info[:2] < (3, 13), reason="the launcher answers cleandoc on 3.11 and 3.12"
)
@pytest.mark.parametrize("doc", CLEANDOC_CASES)
def test_the_launchers_cleandoc_is_the_standard_librarys(doc):
    import inspect

    from authcheck.cli.launcher import cleandoc

    assert cleandoc(doc) == inspect.cleandoc(doc)


def test_a_deferred_module_answers_what_it_was_given_and_runs_for_anything_else():
    seen = _fresh(
        """
        import json, sys
        from authcheck.util.lazymodules import defer, enable
        enable()
        def mine(doc):
            return "mine"
        defer("inspect", answering={"cleandoc": mine})
        import inspect
        answered = inspect.cleandoc("  x") == "mine" and type(inspect).__name__ == "_Deferred"
        inspect.signature(len)  # anything else runs it
        print(json.dumps([answered, type(inspect).__name__, inspect.cleandoc("  x")]))
        """
    )
    assert seen == [True, "module", "x"]


def test_a_from_import_of_an_answered_name_leaves_the_module_unrun():
    """`from module import name` first asks a module whether it is a package (`__path__`): a deferred
    module that is not one says no without running, so an answered name is taken as it is."""
    seen = _fresh(
        """
        import json, sys
        from authcheck.util.lazymodules import defer, enable
        enable()
        def mine(doc):
            return "mine"
        defer("inspect", answering={"cleandoc": mine})
        from inspect import cleandoc
        answered = [cleandoc("  x"), type(sys.modules["inspect"]).__name__]
        from inspect import signature  # a name it was not given runs it
        print(json.dumps([*answered, type(sys.modules["inspect"]).__name__, str(signature(len))]))
        """
    )
    assert seen == ["mine", "_Deferred", "module", "(obj, /)"]


HELP = """
import sys
sys.argv = ["authcheck", *sys.argv[1:]]
if sys.argv[-1] == "--plain":  # the command line without the launcher: nothing deferred
    sys.argv.pop()
    from authcheck.cli.main import main
    try:
        main(prog_name="authcheck")
    except SystemExit:
        pass
    sys.stdout.flush()
    print("INSPECT", type(sys.modules.get("inspect")).__name__)
else:
    import os
    _exit = os._exit
    def leave(code):
        sys.stdout.flush()
        print("INSPECT", type(sys.modules.get("inspect")).__name__)
        sys.stdout.flush()
        _exit(code)
    os._exit = leave
    from authcheck.cli import launcher
    launcher.entry()
"""


@pytest.mark.skipif(
    not (3, 11) <= sys.version_info[:2] < (3, 13), reason="the launcher answers cleandoc on 3.11 and 3.12"
)
@pytest.mark.parametrize(
    "args",
    [["--help"], *([name, "--help"] for name in ("check", "baseline", "config", "extract", "rules", "server"))],
    ids=lambda args: " ".join(args),
)
def test_every_help_reads_the_same_with_the_launchers_cleandoc(args):
    env = {**os.environ, "AUTHCHECK_SERVER": "off", "COLUMNS": "100"}
    prelude = f"import sys\nsys.path[:0] = {[str(ROOT)]!r}\n"
    runs = [
        subprocess.run(
            [sys.executable, "-c", prelude + HELP, *args, *extra],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=str(ROOT),
        )
        for extra in ([], ["--plain"])
    ]
    launched, plain = (run.stdout.rsplit("INSPECT ", 1) for run in runs)
    assert launched[0] == plain[0] and "Usage: authcheck" in launched[0]
    assert plain[1].strip() == "module"  # Click's help ran the real inspect; the launched command's
    # answered `cleandoc` itself and ran inspect only if the help asked for more (defaults shown)


def test_a_first_command_checks_a_letter_with_inspect_unrun():
    if not (3, 11) <= sys.version_info[:2] < (3, 13):
        pytest.skip("the launcher answers cleandoc on 3.11 and 3.12")
    done = _launched(HELP, str(SAMPLES / "withdrawal-letter-2020.pdf"), "--format", "json")
    report, state = done.stdout.rsplit("INSPECT ", 1)
    assert done.returncode == 1 and json.loads(report)["verdict"] and state.strip() == "_Deferred"


CONSOLE_REPORT = """
import os, sys
sys.argv = ["authcheck", *sys.argv[1:]]
_exit = os._exit
def leave(code):
    sys.stdout.flush()
    pickle = sys.modules.get("pickle")
    import _pickle
    print("PICKLE", type(pickle).__name__, pickle.dumps is _pickle.dumps, pickle.loads is _pickle.loads)
    sys.stdout.flush()
    _exit(code)
os._exit = leave
from authcheck.cli import launcher
launcher.entry()
"""


def test_a_first_commands_console_report_leaves_pickle_unrun_with_its_own_functions():
    """rich's `style` takes `dumps` and `loads` from pickle: the command answers them with the C
    accelerator's own (as pickle.py does) and leaves pickle.py unrun."""
    done = _launched(CONSOLE_REPORT, str(SAMPLES / "withdrawal-letter-2020.pdf"), NO_COLOR="1")
    report, state = done.stdout.rsplit("PICKLE ", 1)
    assert done.returncode == 1 and "risk" in report and "withdrawal-letter-2020.pdf" in report
    assert state.split() == ["_Deferred", "True", "True"]
    import _pickle
    import pickle

    assert pickle.dumps is _pickle.dumps and pickle.loads is _pickle.loads  # what pickle.py gives, run


def _launched(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`script` run with `args` by this checkout's interpreter, as a command without the warm server."""
    prelude = f"import sys\nsys.path[:0] = {[str(ROOT)]!r}\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AUTHCHECK_SERVER": "off", **env},
        cwd=str(ROOT),
    )
