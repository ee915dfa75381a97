"""The warm server (cli/server.py): a command served by it behaves exactly as the same command run
cold, honours the client's folder, environment, streams, limits and signals, and the server is
used only where it is safe (private folder, same code, same user)."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from authcheck.cli import warm as server
from tests.pipes import first_line

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

pytestmark = pytest.mark.skipif(not server.supported(), reason="the warm server needs Linux (SCM_RIGHTS, SO_PEERCRED)")


@pytest.fixture
def warm(tmp_path, monkeypatch):
    """A private runtime folder (short: a socket path holds 108 bytes) and an environment that uses
    the server; yields a runner of `python -m authcheck ARGS` returning (rc, stdout, stderr).  The
    server is stopped afterwards."""
    runtime = Path(tempfile.mkdtemp(prefix="acw"))
    os.chmod(runtime, 0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AUTHCHECK_") and k not in ("NO_COLOR", "FORCE_COLOR", "CI")
    }
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"),
        AUTHCHECK_SERVER="on",
        AUTHCHECK_SERVER_IDLE="120",
        COLUMNS="100",
    )

    def run(*args, mode="on", cwd=REPO, extra=None, stdin=None, preexec=None, installed=True):
        # -P: the installed authcheck whatever the folder (python -m would import a checkout's
        # package from the working folder, which is other code with its own server)
        python = [sys.executable, "-P"] if installed else [sys.executable]
        proc = subprocess.run(
            [*python, "-m", "authcheck", *map(str, args)],
            env={**env, "AUTHCHECK_SERVER": mode, **(extra or {})},
            cwd=cwd,
            input=stdin,
            capture_output=True,
            timeout=120,
            preexec_fn=preexec,
        )
        return proc.returncode, proc.stdout, proc.stderr

    run.env = env
    run.runtime = runtime
    yield run
    run("server", "stop")
    shutil.rmtree(runtime, ignore_errors=True)


def served(run) -> int:
    """How many commands the running server has forked (fails when no server answers)."""
    rc, out, _ = run("server", "status")
    assert rc == 0, out
    return int(re.search(rb"served=(\d+)", out).group(1))


def started(run) -> int:
    rc, out, err = run("server", "start")
    assert rc == 0, err
    assert b"running (pid=" in out
    return served(run)


CASES = [
    ("forged-letter.pdf", "--format", "json", "--no-cache"),
    ("forged-letter.pdf", "--no-cache"),
    ("draft-memo.docx", "--format", "sarif", "--no-cache"),
    ("pentagon-statement.txt", "--format", "jsonl"),
    ("withdrawal-letter-2020.pdf", "--no-cache", "--explain"),
    (".", "--format", "json", "--no-cache"),
    ("no-such-file.pdf",),
    ("check",),
    ("--help",),
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_a_served_command_prints_what_the_cold_one_prints(warm, args):
    before = started(warm)
    hot = warm(*args, cwd=SAMPLES)
    cold = warm(*args, cwd=SAMPLES, mode="off")
    assert hot == cold
    assert served(warm) == before + 1, "the command went through the server"


def test_stdin_relative_outputs_and_environment_reach_the_command(warm, tmp_path):
    before = started(warm)
    text = (SAMPLES / "pentagon-statement.txt").read_bytes()
    assert warm("-", "--format", "json", "--no-cache", stdin=text) == warm(
        "-", "--format", "json", "--no-cache", stdin=text, mode="off"
    )
    # a report path is relative to the client's folder, not the server's
    rc, _, err = warm(SAMPLES / "forged-letter.pdf", "--no-cache", "--json-output", "out.json", cwd=tmp_path)
    assert rc == 1, err
    cold_dir = tmp_path / "cold"
    cold_dir.mkdir()
    warm(SAMPLES / "forged-letter.pdf", "--no-cache", "--json-output", "out.json", cwd=cold_dir, mode="off")
    assert (tmp_path / "out.json").read_bytes() == (cold_dir / "out.json").read_bytes()
    # the client's environment decides (colour forced, a narrower console) ...
    extra = {"FORCE_COLOR": "1", "COLUMNS": "70"}
    hot = warm(SAMPLES / "forged-letter.pdf", "--no-cache", extra=extra)
    assert hot == warm(SAMPLES / "forged-letter.pdf", "--no-cache", extra=extra, mode="off")
    assert b"\x1b[" in hot[1]
    # ... and so does the configuration found from the client's folder
    project = tmp_path / "project"
    project.mkdir()
    (project / "authcheck.toml").write_text('fail_on = "never"\n')
    hot = warm(SAMPLES / "forged-letter.pdf", "--no-cache", cwd=project)
    assert hot == warm(SAMPLES / "forged-letter.pdf", "--no-cache", cwd=project, mode="off")
    assert hot[0] == 0 and b"config:" in hot[1]
    assert served(warm) == before + 4


def test_the_client_imports_nothing_heavy(warm):
    started(warm)
    proc = subprocess.run(
        [sys.executable, "-P", "-X", "importtime", "-m", "authcheck", str(SAMPLES / "forged-letter.pdf"), "-f", "json"],
        env={**warm.env, "AUTHCHECK_SERVER": "on"},
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 1
    imported = re.findall(rb"import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", proc.stderr)
    assert b"authcheck.cli.warm" in imported
    for heavy in (b"click", b"pypdf", b"rich", b"authcheck.cli.main", b"hashlib"):
        assert heavy not in imported


def _scan_folder(tmp_path: Path, count: int = 150) -> Path:
    folder = tmp_path / "letters"
    folder.mkdir()
    text = (SAMPLES / "coordination-letter.txt").read_text()
    for i in range(count):
        (folder / f"letter-{i:04d}.txt").write_text(text + f"\nReference {i}\n")
    return folder


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                out.append(int(entry))
    return out


def _server_pid(run) -> int:
    _, out, _ = run("server", "status")
    return int(re.search(rb"pid=(\d+)", out).group(1))


def test_ctrl_c_reaches_the_served_command(warm, tmp_path):
    started(warm)
    folder = _scan_folder(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "authcheck", str(folder), "--format", "jsonl", "--no-cache", "--jobs", "1"],
        env=warm.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first_line(proc)  # one record: the command runs
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert re.search(rb"interrupted: \d+ file\(s\) not reached", err)
    assert out.count(b"\n") < 149


def test_a_killed_client_stops_its_command(warm, tmp_path):
    started(warm)
    pid = _server_pid(warm)
    folder = _scan_folder(tmp_path, 400)
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "authcheck", str(folder), "--format", "jsonl", "--no-cache", "--jobs", "1"],
        env=warm.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    first_line(proc)
    assert _children_of(pid), "the command runs under the server"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 15
    while _commands_of(warm, pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _commands_of(warm, pid) == []


def _spare(run) -> int:
    """The pid of the spare the server holds now (0: none)."""
    _, out, _ = run("server", "status")
    return int(re.search(rb"spare=(\d+)", out).group(1))


def _commands_of(run, pid: int) -> list[int]:
    """The server's children but the spare it holds (the spare is forked again after each command)."""
    return [child for child in _children_of(pid) if child != _spare(run)]


def _spare_ready(run, within: float = 20.0) -> int:
    deadline = time.monotonic() + within
    while not _spare(run) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _spare(run)


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("path", ["spare", "spare killed"])
def test_a_command_is_served_by_the_spare_or_by_a_fork_when_it_is_gone(warm, tmp_path, path):
    """The server forks a command's monitor and the command ahead of the request (a spare); when the
    spare is gone it forks them at the request, as it always did: served either way, the same output."""
    started(warm)
    server_pid = _server_pid(warm)
    spare = _spare_ready(warm)
    assert spare and len(_children_of(spare)) == 1  # the monitor, and its command forked ahead
    if path == "spare killed":
        (ahead,) = _children_of(spare)
        os.kill(spare, signal.SIGKILL)
        assert _gone(spare) and _gone(ahead)  # the command ahead leaves with it
    folder = _scan_folder(tmp_path, 400)
    args = [str(folder), "--format", "jsonl", "--no-cache", "--jobs", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "authcheck", *args], env=warm.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    first = first_line(proc)  # one record: the command runs
    monitors = _children_of(server_pid)
    assert _children_of(proc.pid) == [], "served, not run cold by the client"
    assert (spare in monitors) is (path == "spare")  # the spare runs it, or a monitor forked at the request
    rest, _ = proc.communicate(timeout=120)
    cold = warm(*args, mode="off")
    assert proc.returncode == cold[0] and sorted((first + rest).splitlines()) == sorted(cold[1].splitlines())
    assert _spare_ready(warm) not in (0, spare)  # a new spare once the server is quiet


def test_the_spare_and_its_command_leave_with_the_server(warm):
    started(warm)
    spare = _spare_ready(warm)
    (ahead,) = _children_of(spare)
    rc, _, _ = warm("server", "stop")
    assert rc == 0 and _gone(spare) and _gone(ahead)


def test_the_clients_limits_apply_to_the_served_command(warm, tmp_path):
    started(warm)

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    args = (SAMPLES / "forged-letter.pdf", "--no-cache", "--format", "json", "-o", tmp_path / "r.json")
    hot = warm(*args, preexec=small_files)
    cold = warm(*args, preexec=small_files, mode="off")
    assert hot == cold
    assert hot[0] == 3  # the report could not be written: the limit held in the served command too


def test_an_edited_installation_is_not_served(warm):
    started(warm)
    pid = _server_pid(warm)
    where = [sys.executable, "-P", "-c", "import authcheck.cli.server as s; print(s.__file__)"]
    module = Path(subprocess.run(where, capture_output=True, text=True, check=True).stdout.strip())  # the server's
    st = module.stat()
    try:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        hot = warm(SAMPLES / "forged-letter.pdf", "--format", "json", "--no-cache")
        assert hot == warm(SAMPLES / "forged-letter.pdf", "--format", "json", "--no-cache", mode="off")
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(f"/proc/{pid}"), "the out-of-date server left"
    finally:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_request_with_another_key_is_refused(warm):
    started(warm)
    import socket

    env = {**os.environ, **warm.env}
    folder = server.runtime_dir(env)
    # the socket this interpreter's commands use
    proc = subprocess.run(
        [
            sys.executable,
            "-P",
            "-c",
            "from authcheck.cli import warm as s; print(s.socket_path(s.runtime_dir(), s.key()))",
        ],
        env=warm.env,
        capture_output=True,
        text=True,
    )
    path = proc.stdout.strip()
    assert path.startswith(folder)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(path)
        message = server.encode_request(b"run", b"another installation", ["--help"])
        read, write = os.pipe()
        try:
            sock.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, _fds(read, write, write))])
            reply = sock.recv(100)
        finally:
            os.close(read)
            os.close(write)
    assert reply.startswith(b"E")


def _fds(*fds: int) -> bytes:
    return b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)


@pytest.mark.parametrize(
    ("mode", "extra", "folder_mode"),
    [("off", {}, 0o700), ("auto", {"CI": "true"}, 0o700), ("on", {}, 0o755)],
    ids=["off", "auto-under-CI", "folder-not-private"],
)
def test_no_server_where_it_is_not_wanted_or_not_safe(warm, mode, extra, folder_mode):
    (warm.runtime / "authcheck").mkdir(mode=0o700)
    os.chmod(warm.runtime / "authcheck", folder_mode)  # chmod: mkdir's mode passes the umask
    rc, out, err = warm(SAMPLES / "forged-letter.pdf", "--format", "json", "--no-cache", mode=mode, extra=extra)
    assert rc == 1 and out.startswith(b"{"), err
    time.sleep(0.5)
    sockets = [p for p in warm.runtime.rglob("*") if p.is_socket() or p.name.endswith(".lock")]
    assert sockets == []
    rc, out, _ = warm("server", "status", mode=mode, extra=extra)
    assert rc == 1 and b"not running" in out


def test_mode_reads_the_environment():
    assert server.mode({}) == "auto"
    assert server.mode({"AUTHCHECK_SERVER": "0"}) == "off"
    assert server.mode({"AUTHCHECK_SERVER": "ON"}) == "on"
    assert server.mode({"AUTHCHECK_SERVER": "sometimes"}) == "off"
    assert server.mode({"CI": "1"}) == "off"
    assert server.mode({"CI": "1", "AUTHCHECK_SERVER": "on"}) == "on"
    assert server.mode({"CI": "false"}) == "auto"


def test_a_checkout_run_with_python_m_is_served_by_its_own_code(warm, tmp_path):
    """`python -m authcheck` in a checkout imports the checkout's package, not the installed one:
    the server it starts imports the same code (it was refused on every command before)."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copytree(REPO / "authcheck", checkout / "authcheck", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "rules", checkout / "rules")
    letter = SAMPLES / "forged-letter.pdf"
    rc, out, err = warm("server", "start", cwd=checkout, installed=False)
    assert rc == 0, err
    before = int(re.search(rb"served=(\d+)", out).group(1))
    hot = warm(letter, "--format", "json", "--no-cache", cwd=checkout, installed=False)
    assert hot == warm(letter, "--format", "json", "--no-cache", cwd=checkout, mode="off", installed=False)
    _, out, _ = warm("server", "status", cwd=checkout, installed=False)
    assert int(re.search(rb"served=(\d+)", out).group(1)) == before + 1
    warm("server", "stop", cwd=checkout, installed=False)


def test_a_served_scans_first_worker_is_the_one_its_spare_forked_ahead(warm, tmp_path):
    """The spare's command forks its first worker ahead too (`standby.start_ahead`); the scan takes
    it, and it has taken on the client's folder (the paths are relative) and limits."""
    started(warm)
    spare = _spare_ready(warm)
    (ahead,) = _children_of(spare)
    deadline = time.monotonic() + 10
    while not _children_of(ahead) and time.monotonic() < deadline:
        time.sleep(0.05)
    (worker,) = _children_of(ahead)
    folder = _scan_folder(tmp_path, 400)
    args = [".", "--format", "jsonl", "--no-cache", "--jobs", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "authcheck", *args],
        env=warm.env,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = first_line(proc)
    assert _children_of(ahead) == [worker], "the scan's one worker is the one forked ahead"
    rest, _ = proc.communicate(timeout=120)
    cold = warm(*args, mode="off", cwd=folder)
    records = sorted((first + rest).splitlines())
    assert proc.returncode == cold[0] and len(records) == 400 and records == sorted(cold[1].splitlines())


ENCODE = """
import sys
from authcheck.cli.warm import MAGIC, encode_request
data = encode_request(b"run", b"key", ["letter.pdf"])
sys.stdout.buffer.write(data[len(MAGIC):].partition(b"\\n")[2])
"""

ADOPT = """
import json, os, sys
from authcheck.batch.standby import _took_request
from authcheck.util.framedpipe import Pipe
from authcheck.cli.server import _adopted
theirs, ours = os.pipe()
Pipe(ours).send(("request", sys.stdin.buffer.read()))
took = _took_request(Pipe(theirs), os.getppid(), _adopted)
print(json.dumps([took, os.getcwd(), os.umask(0), os.environ.get("AC_PROBE")]))
"""


def test_a_standby_forked_ahead_takes_on_the_clients_folder_umask_and_environment(tmp_path):
    """What a worker forked by the command would inherit, the one forked ahead is sent
    (`standby.proceed`: the request as the server got it) and takes on before it says it is ready."""
    client = {**os.environ, "AC_PROBE": "the client's"}
    body = subprocess.run(
        [sys.executable, "-c", ENCODE],
        env=client,
        cwd=tmp_path,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o027),
    ).stdout
    server = {k: v for k, v in os.environ.items() if k != "AC_PROBE"}
    out = subprocess.run(
        [sys.executable, "-c", ADOPT], input=body, env=server, cwd="/", capture_output=True, timeout=60
    )
    assert json.loads(out.stdout) == [True, str(tmp_path), 0o027, "the client's"], out.stderr
