"""Shared fixtures: the repository's paths, and the command line run in-process with a private cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

#: Environment variables that change what authcheck prints; cleared so the caller's shell cannot.
_OUTSIDE_ENV = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TERM", "XDG_CACHE_HOME")


@pytest.fixture(scope="session", autouse=True)
def _session_runtime_dir():
    """A private runtime folder for the session: a test whose command line drops AUTHCHECK_SERVER=off
    and so starts a warm server (cli/warm.py) starts it here, never in the user's own folder; the
    folder is removed at the end, and such a server leaves when it sees its socket gone."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="act")  # short: a socket path holds 108 bytes
    before = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = folder
    yield folder
    if before is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = before
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def _session_cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache-home")


@pytest.fixture(autouse=True)
def _private_config_home(tmp_path_factory, _session_cache_dir, monkeypatch):
    """Every test gets its own config folder (the cache key lives there), and the session its own
    cache folder: a test run never writes into the user's folders, nor meets another run's cache."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config-home")))
    monkeypatch.setenv("AUTHCHECK_CACHE_DIR", str(_session_cache_dir))
    monkeypatch.delenv("AUTHCHECK_CACHE_KEY", raising=False)
    # Commands run cold: a test sees the process it started; tests/test_warm_server.py turns it on.
    monkeypatch.setenv("AUTHCHECK_SERVER", "off")


@pytest.fixture
def repo_root() -> Path:
    """The repository root (where README.md and samples/ are)."""
    return REPO


@pytest.fixture
def clean_env(tmp_path, monkeypatch) -> Path:
    """No AUTHCHECK_* or colour settings from the caller; the result cache lives in tmp. Returns the cache dir."""
    for name in list(os.environ):
        if name.startswith("AUTHCHECK_") or name in _OUTSIDE_ENV:
            monkeypatch.delenv(name)
    cache = tmp_path / "cache"
    monkeypatch.setenv("AUTHCHECK_CACHE_DIR", str(cache))
    monkeypatch.setenv("AUTHCHECK_SERVER", "off")
    return cache


@pytest.fixture
def cli(clean_env, monkeypatch):
    """Run `authcheck ARGS...` in-process with Click's CliRunner, from the repository root.

    Returns the click Result: `.exit_code`, `.stdout` and `.stderr` kept apart.
    Pass `cwd=` to run elsewhere, `input=` for stdin, `env=` for extra variables.
    """
    from authcheck.cli.main import main

    def run(*args: str, input=None, env=None, cwd=None, color: bool = False):
        monkeypatch.chdir(cwd or REPO)
        return CliRunner().invoke(main, list(args), input=input, env=env, color=color, catch_exceptions=False)

    return run
