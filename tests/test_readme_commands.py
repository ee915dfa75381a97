"""Every command line in the README runs, offline on the samples, with the exit status it documents.

Commands are parsed from the README (```sh blocks and the `- run:` steps of the GitHub Actions
example), never copied here, so the README and this test cannot drift apart.  Each command line
ends with a comment naming its exit status (`# ...; exit 1`), or is listed in NOT_RUNNABLE with
the reason.  The commands run in order, in one temporary folder holding copies of samples/ and examples/ (and
of it as letters/, the CI example's folder), through the installed console script.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import authcheck

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: Command lines that are not run here, and why.
NOT_RUNNABLE = {
    "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest": "runs this very test suite (CI runs it; test_readme.py checks that it does)",
    "python samples/make_samples.py": "rewrites the committed samples in the checkout",
    "python tools/importgraph.py": "reads the checkout's package; tests/test_architecture.py checks the same graph",
    "ruff check . && ruff format --check .": "lints the checkout; tests/test_house_style.py runs both",
    "mypy": "type-checks the checkout; tests/test_house_style.py runs it",
    "python docs/make_report_svg.py": "rewrites the README picture (test_readme.py checks it is current)",
    ".venv/bin/python benchmarks/wording_bench.py --split test --letters": "a benchmark that runs for minutes; tests/test_wording_data.py checks its data and its metrics",
    ".venv/bin/python benchmarks/registry_bench.py": "a benchmark with a 10,000-person registry; tests/test_registry*.py check the rules it measures",
    f"pip install vendor/authcheck-{authcheck.__version__}-py3-none-any.whl": "installs a wheel the reader builds; its file name is checked against the version below",
    "authcheck check /shared/letters --scheduler tcp://scheduler.internal:8786 -f jsonl > results.jsonl": "needs a Dask cluster on other machines (tests/test_cluster.py runs one on 127.0.0.1)",
    "dask scheduler --protocol tls --host 0.0.0.0 --port 8786 --tls-ca-file ca.pem --tls-cert scheduler.pem "
    "--tls-key scheduler-key.pem": "starts a cluster's scheduler for other machines (tests/test_cluster.py runs TLS)",
    "dask worker tls://scheduler.internal:8786 --nthreads 1 --tls-ca-file ca.pem --tls-cert worker.pem "
    "--tls-key worker-key.pem": "joins a cluster on other machines",
    "authcheck check /shared/letters --scheduler tls://scheduler.internal:8786": "needs a Dask cluster on other machines (tests/test_cluster.py runs TLS on 127.0.0.1)",
}
_COMMENT = re.compile(r"\s+#\s(.*)$")


def readme_commands() -> list[tuple[str, str]]:
    """(command, comment) for every command line, in README order."""
    found = []
    for lang, body in re.findall(r"```(sh|yaml)\n(.*?)\n```", README, re.S):
        for line in body.splitlines():
            if lang == "yaml":
                step = re.match(r"\s*- run: (.*)$", line)
                if not step:
                    continue
                line = step.group(1)
            if not line.strip():
                continue
            comment = _COMMENT.search(line)
            command = line[: comment.start()] if comment else line
            found.append((command.strip(), comment.group(1) if comment else ""))
    return found


def documented_exit(comment: str) -> int | None:
    """The status a command's comment documents ("...; exit 1"), or None."""
    match = re.search(r"\bexit (\d+)\b", comment)
    return int(match.group(1)) if match else None


def runnable_part(command: str) -> str:
    """An install-from-scratch line runs cheaply: only its authcheck step, with the authcheck
    installed for these tests (the install itself is what CI's fresh virtualenv proves)."""
    if "pip install" in command and "&&" in command:
        command = command.rsplit("&&", 1)[1].strip()
    return command.replace(".venv/bin/authcheck", "authcheck")


def test_the_readme_has_commands_and_each_is_run_or_excused():
    commands = readme_commands()
    assert len(commands) >= 12
    for command, comment in commands:
        assert command in NOT_RUNNABLE or documented_exit(comment) is not None, (
            f"README command without '# ...; exit N' and not in NOT_RUNNABLE: {command}"
        )
    stale = set(NOT_RUNNABLE) - {c for c, _ in commands}
    assert not stale, f"NOT_RUNNABLE lists commands the README no longer has: {stale}"


@pytest.fixture
def workdir(tmp_path) -> Path:
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    shutil.copytree(ROOT / "samples", tmp_path / "letters")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # the example registry's exemplar folder
    return tmp_path


def shell_env(tmp_path: Path) -> dict:
    """The caller's environment without authcheck or colour settings; `authcheck` first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = Path(sys.executable).parent / "authcheck"
    if script.exists():
        (bin_dir / "authcheck").symlink_to(script)
    else:  # not installed as a console script: the module, which is the same program
        (bin_dir / "authcheck").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m authcheck "$@"\n')
        (bin_dir / "authcheck").chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AUTHCHECK_") and k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")
    }
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"))
    # The commands run as a user's do, through the warm server, which lives in a private runtime
    # folder (short: a socket path holds 108 bytes) and is stopped when the test ends.
    env.update(AUTHCHECK_SERVER="on", XDG_RUNTIME_DIR=tempfile.mkdtemp(prefix="acr"))
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="the README's commands are POSIX shell")
def test_every_readme_command_exits_as_documented(workdir):
    env = shell_env(workdir)
    ran = 0
    for command, comment in readme_commands():
        if command in NOT_RUNNABLE:
            continue
        line = runnable_part(command)
        done = subprocess.run(
            ["/bin/sh", "-c", line], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == documented_exit(comment), (
            f"{line!r} exited {done.returncode}, README says {documented_exit(comment)}\n{done.stderr[-2000:]}"
        )
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, line
        ran += 1
    assert ran >= 10
    assert {p.name for p in workdir.iterdir() if p.name.endswith(".tmp")} == set()
    subprocess.run(["authcheck", "server", "stop"], env=env, capture_output=True)
    shutil.rmtree(env["XDG_RUNTIME_DIR"], ignore_errors=True)  # a server still starting sees it gone and leaves


def test_readme_never_installs_by_the_bare_name():
    """`authcheck` on the package index is an unrelated project: the README installs only from the
    checkout or a wheel built from it, and the wheel names it gives are this version's."""
    assert not re.search(r"pip install\s+['\"]?authcheck\b", README)
    wheels = set(re.findall(r"authcheck-([\w.]+)-py3-none-any\.whl", README))
    assert wheels == {authcheck.__version__}
