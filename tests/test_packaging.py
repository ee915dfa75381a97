"""The wheel: built without warnings, holding every module, the built-in rules, the schema and py.typed.

The built-in rule packs live in the top-level `rules/` folder and ship inside the package as data
(`authcheck/builtin_rules/`); the installed package finds them there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("hatchling", reason="the test extra installs hatchling to build the wheel here")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    [built] = out.glob("authcheck-*.whl")
    return built, proc.stdout + proc.stderr


def test_the_build_prints_no_warnings(wheel):
    _, log = wheel
    assert "warn" not in log.lower(), log


def test_the_wheel_holds_every_module_rule_and_data_file(wheel):
    built, _ = wheel
    names = set(zipfile.ZipFile(built).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "authcheck").rglob("*.py")}
    rules = {
        "authcheck/builtin_rules/" + p.relative_to(ROOT / "rules").as_posix() for p in (ROOT / "rules").rglob("*.yaml")
    }
    assert modules and rules
    assert modules - names == set()
    assert rules - names == set()
    assert {"authcheck/py.typed", "authcheck/schemas/result-v1.json"} <= names
    assert not any(n.startswith(("rules/", "tests/")) for n in names)


def test_the_installed_package_finds_its_built_in_rules(wheel, tmp_path):
    built, _ = wheel
    zipfile.ZipFile(built).extractall(tmp_path)
    code = "from authcheck.engine.rulepack import builtin_dir, load_ruleset; print(builtin_dir()); print(len(load_ruleset([]).rules))"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "AUTHCHECK_NO_RULE_CACHE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    folder, count = out.stdout.split()
    assert Path(folder) == tmp_path / "authcheck" / "builtin_rules"
    from authcheck.engine.rulepack import load_ruleset

    assert int(count) == len(load_ruleset([]).rules) > 0


def test_the_wheel_installs_the_command_as_a_plain_script(wheel):
    """`authcheck` is a script of the wheel (pip writes the interpreter into its `#!python` line),
    executable, and no console-script entry point of the same name competes with it."""
    built, _ = wheel
    with zipfile.ZipFile(built) as zf:
        [script] = [i for i in zf.infolist() if i.filename.endswith(".data/scripts/authcheck")]
        body = zf.read(script).decode()
        points = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith("entry_points.txt"))
    assert body.startswith("#!python\n") and "from authcheck.cli.launcher import entry" in body
    assert (script.external_attr >> 16) & 0o111 == 0o111
    assert "authcheck" not in points


def _installed_command() -> Path:
    script = Path(sys.executable).parent / "authcheck"
    if not script.is_file() or "authcheck.cli.launcher" not in script.read_text(errors="replace"):
        pytest.skip(f"no installed authcheck command beside {sys.executable} (pip install -e '.[test]' installs it)")
    return script


def test_the_installed_command_imports_nothing_before_the_launcher():
    """A console-script wrapper imports `re` (and with it enum, functools...): 4-7 ms of every
    command.  The installed command starts authcheck's launcher with nothing more than Python's own
    start-up, and still answers."""
    script = _installed_command()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(script), "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith("authcheck, version "), done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "authcheck.cli.launcher" in imported
    assert not imported & {"re", "enum", "functools", "click"}, sorted(imported)
