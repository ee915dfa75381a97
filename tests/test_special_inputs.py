"""Inputs that cannot be listed or read, and inputs that never end: each is a record, none hangs.

Root ignores permission bits, so permission problems are simulated by making os.scandir / open
raise PermissionError; the real chmod test runs only as an ordinary user.  Anything that could
hang runs in a subprocess with a hard timeout, so a regression fails instead of freezing the suite.
"""

from __future__ import annotations

import builtins
import os
import signal
import subprocess
import sys
from contextlib import contextmanager

import pytest

from authcheck.batch import pipeline
from authcheck.batch import run as runner
from authcheck.batch.cache import file_sha256
from authcheck.batch.discover import Target, discover
from authcheck.errors import CheckError
from authcheck.settings import Limits

AUTHCHECK = [sys.executable, "-m", "authcheck"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
unix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (Unix)")


def run_cli(*args, cwd, input=None, timeout=60, env=None):
    """authcheck in a subprocess, killed after `timeout` seconds (a hang is a failure, not a freeze)."""
    return subprocess.run(
        [*AUTHCHECK, *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "AUTHCHECK_NO_RULE_CACHE": "1", **(env or {})},
    )


@contextmanager
def alarm(seconds: int):
    """Fail (instead of hanging) when the body takes longer than `seconds`."""

    def fire(*_):
        raise TimeoutError(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "ok.txt").write_text("Dear Sir,\nThis is a letter.\nYours faithfully,\nA. Person\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.txt").write_text("Dear Sir,\nhidden\n")
    return tmp_path


def deny(monkeypatch, folder):
    real = os.scandir

    def scandir(path="."):
        if os.path.abspath(os.fsdecode(path)) == os.path.abspath(str(folder)):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


# --- item 9: nothing unreadable is skipped silently -------------------------------------------------


def test_unlistable_subfolder_is_a_permission_denied_target(tree, monkeypatch):
    deny(monkeypatch, tree / "locked")
    targets = discover([str(tree)])
    assert Target(str(tree / "ok.txt")) in targets
    bad = [t for t in targets if t.missing]
    assert [t.path for t in bad] == [str(tree / "locked")]
    assert bad[0].problem[0] == "permission-denied"


def test_unlistable_subfolder_makes_the_run_exit_3(cli, tree, monkeypatch):
    deny(monkeypatch, tree / "locked")
    result = cli(str(tree), "-f", "json")
    assert result.exit_code == 3
    assert "permission-denied" in result.stderr and "locked" in result.stderr
    import json

    errors = json.loads(result.stdout)["summary"]["errors_by_type"]
    assert errors == {"permission-denied": 1}


def test_unlistable_folder_under_a_glob_is_reported(tree, monkeypatch):
    deny(monkeypatch, tree / "locked")
    targets = discover([str(tree / "**" / "*.txt")])
    assert any(t.problem and t.problem[0] == "permission-denied" for t in targets)


def test_unreadable_file_is_permission_denied_not_not_found(tree, monkeypatch):
    real = builtins.open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("ok.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    with pytest.raises(CheckError) as info:
        pipeline.read_input(str(tree / "ok.txt"), Limits())
    assert info.value.type == "permission-denied"


@pytest.mark.skipif(IS_ROOT, reason="root ignores permission bits; the monkeypatched tests above cover it")
def test_real_chmod_000_folder_and_file(tree):
    (tree / "secret.txt").write_text("Dear Sir,\n")
    os.chmod(tree / "secret.txt", 0)
    os.chmod(tree / "locked", 0)
    try:
        result = run_cli(str(tree), "-f", "json", cwd=tree)
    finally:
        os.chmod(tree / "locked", 0o755)
        os.chmod(tree / "secret.txt", 0o644)
    assert result.returncode == 3
    assert result.stderr.decode().count("permission-denied") == 2


# --- item 10: special files never hang a scan ------------------------------------------------------


@unix_only
def test_folder_walk_never_yields_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe.pdf")
    (tmp_path / "real.pdf").write_bytes(b"%PDF-1.4\n")
    assert [t.path for t in discover([str(tmp_path)])] == [str(tmp_path / "real.pdf")]


@unix_only
def test_parent_never_opens_a_fifo_to_hash_it(tmp_path):
    os.mkfifo(tmp_path / "pipe.pdf")
    with alarm(10):
        assert file_sha256(str(tmp_path / "pipe.pdf"), 1 << 20) is None


@unix_only
def test_named_fifo_with_no_writer_times_out_instead_of_hanging(tmp_path):
    os.mkfifo(tmp_path / "pipe.pdf")
    (tmp_path / "ok.txt").write_text("Dear Sir,\nA letter.\n")
    result = run_cli(
        "pipe.pdf",
        "ok.txt",
        "--timeout",
        "2",
        "-f",
        "json",
        cwd=tmp_path,
        env={"AUTHCHECK_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.returncode == 3
    assert "pipe.pdf: timeout" in result.stderr.decode()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_and_a_symlink_to_it_are_too_large(tmp_path):
    (tmp_path / "authcheck.toml").write_text("[limits]\nmax_bytes = 100000\n")
    os.symlink("/dev/zero", tmp_path / "zero.pdf")
    for name in ("/dev/zero", "zero.pdf"):  # one at a time: both name the same file, checked once
        result = run_cli(name, "-f", "json", cwd=tmp_path, env={"AUTHCHECK_CACHE_DIR": str(tmp_path / "cache")})
        assert result.returncode == 3
        assert f"{name}: too-large" in result.stderr.decode()


def test_stdin_has_the_same_byte_limit_as_files(tmp_path):
    (tmp_path / "authcheck.toml").write_text("[limits]\nmax_bytes = 1000\n")
    result = run_cli("-", cwd=tmp_path, input=b"A" * 5000, env={"AUTHCHECK_CACHE_DIR": str(tmp_path / "c")})
    assert result.returncode == 3
    assert "-: too-large" in result.stderr.decode()


@unix_only
def test_stdin_that_never_ends_times_out(tmp_path):
    reader, writer = os.pipe()  # kept open and silent: stdin never reaches its end
    try:
        proc = subprocess.run(
            [*AUTHCHECK, "-", "--timeout", "2"],
            cwd=tmp_path,
            stdin=reader,
            capture_output=True,
            timeout=60,
            env={**os.environ, "AUTHCHECK_CACHE_DIR": str(tmp_path / "c")},
        )
    finally:
        os.close(reader)
        os.close(writer)
    assert proc.returncode == 3
    assert "-: timeout" in proc.stderr.decode()


def test_named_file_behind_a_denied_folder_is_permission_denied(tree, monkeypatch):
    real = os.stat

    def stat(path, *args, **kwargs):
        if "locked" in os.fsdecode(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    [target] = discover([str(tree / "locked" / "hidden.txt")])
    assert target.missing and target.problem[0] == "permission-denied"


class _EndlessStdin:
    """A standard input that never ends; reading it without a size would never return."""

    class buffer:
        @staticmethod
        def read(size=-1):
            assert size is not None and size >= 0, "standard input read without a byte limit"
            return b"x" * size


def test_stdin_is_read_only_up_to_the_byte_limit(monkeypatch):
    monkeypatch.setattr(sys, "stdin", _EndlessStdin)
    path, problem = runner._stash_stdin([Target("-")], Limits(max_bytes=1000))
    try:
        assert os.path.getsize(path) == 1001 and problem is None  # one byte over: the worker says too-large
    finally:
        os.unlink(path)


def test_read_bounded_stops_at_the_limit():
    import io

    data, finished = runner.read_bounded(io.BytesIO(b"x" * 100), 10, 5)
    assert data == b"x" * 10 and finished
