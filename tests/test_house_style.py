"""House habits hold: ruff's lints and formatting, and mypy's types, are clean with pyproject's config.

The tools are pinned in the `test` extra, so a new release cannot turn the build red by itself.
Each test fails with the tool's own output, and skips (saying why) only when the tool is missing.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    pass
else:  # Python 3.10
    pass

ROOT = Path(__file__).resolve().parent.parent
TREES = ("authcheck", "tests", "tools", "benchmarks", "docs")

# Misuses of the public API that mypy must report, seen through the lazy (PEP 562) package root:
# (line, error code) each.  Were the root's names Any to mypy, none of them would be reported.
MISUSE = """\
import authcheck
from authcheck import Settings

authcheck.check(42)
authcheck.scan(["a.pdf"], jobs="2")
score: str = authcheck.check("a.pdf").score
Settings(fail_scor=1)
for result in authcheck.scan(["a.pdf"]):
    result.verdict.upper()
"""
MISUSE_ERRORS = {(4, "arg-type"), (5, "arg-type"), (6, "assignment"), (7, "call-arg"), (9, "union-attr")}


def _tool(module: str) -> list[str]:
    """The command that runs a pinned tool with this interpreter; skip when it is not installed."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install '.[test]' installs the pinned version)")
    return [sys.executable, "-m", module]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _output(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def test_ruff_check_is_clean():
    done = _run([*_tool("ruff"), "check", *TREES])
    assert done.returncode == 0, _output(done)


def test_ruff_format_leaves_every_file_as_it_is():
    done = _run([*_tool("ruff"), "format", "--check", *TREES])
    assert done.returncode == 0, _output(done)


def test_mypy_is_clean_on_the_package():
    done = _run(_tool("mypy"))  # the package and the strictness come from [tool.mypy]
    assert done.returncode == 0, _output(done)


def test_mypy_sees_the_typed_public_api_through_the_package_root(tmp_path):
    misuse = tmp_path / "misuse.py"
    misuse.write_text(MISUSE, encoding="utf-8")
    done = _run([*_tool("mypy"), "tests/typed_usage.py", str(misuse)])
    errors = re.findall(r"^(.+?):(\d+): error: .*\[([a-z-]+)\]$", done.stdout, re.MULTILINE)
    assert [e for e in errors if not e[0].endswith("misuse.py")] == [], _output(done)
    assert {(int(line), code) for _, line, code in errors} == MISUSE_ERRORS, _output(done)


def test_every_public_name_is_visible_to_type_checkers():
    """Each name in `__all__` is imported for type checkers too, so mypy never sees it as Any."""
    tree = ast.parse((ROOT / "authcheck" / "__init__.py").read_text(encoding="utf-8"))
    typed: set[str] = set()
    public: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            typed |= {
                alias.asname or alias.name
                for imp in node.body
                if isinstance(imp, ast.ImportFrom)
                for alias in imp.names
            }
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            public = ast.literal_eval(node.value)
    assert public and typed == set(public)
