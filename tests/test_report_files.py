"""Report files never overwrite what they check, never replace a device, and are never lost.

Outputs that name an input (also through links) or cannot be written are refused before the
scan (exit 2); devices, FIFOs and /dev/stdout are written in place; a write that fails after
the scan is one line on stderr, the report goes to stdout or a temporary file, no temporary
file stays beside the target, and the exit status is 3.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from authcheck.util import atomic
from authcheck.util.atomic import AtomicWriter, OutputError

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
LETTER = "coordination-letter.txt"
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux devices and /proc")


@pytest.fixture
def letter(tmp_path) -> Path:
    path = tmp_path / LETTER
    shutil.copy(SAMPLES / LETTER, path)
    return path


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


# --- an output that is an input: exit 2, input untouched ---------------------------------


@pytest.mark.parametrize("flag", ["-o", "--json-output", "--jsonl-output", "--sarif-output"])
def test_output_naming_the_input_is_refused_and_the_input_kept(cli, letter, flag):
    before = letter.read_bytes()
    result = cli(str(letter), flag, str(letter))
    assert result.exit_code == 2
    assert "is an input of this run" in one_line(result.stderr)
    assert letter.read_bytes() == before and result.stdout == ""


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_output_reaching_the_input_through_a_link_is_refused(cli, letter, tmp_path, link):
    alias = tmp_path / "alias.json"
    (alias.symlink_to if link == "symlink" else alias.hardlink_to)(letter)
    before = letter.read_bytes()
    result = cli(str(letter), "--format", "json", "-o", str(alias))
    assert result.exit_code == 2 and "is an input of this run" in result.stderr
    assert letter.read_bytes() == before


def test_output_that_is_a_scanned_file_in_a_folder_is_refused(cli, letter, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("old notes\n")
    result = cli(str(tmp_path), "-o", str(notes))
    assert result.exit_code == 2 and notes.read_text() == "old notes\n"


def test_output_inside_the_scanned_folder_that_is_not_scanned_is_fine(cli, letter, tmp_path):
    result = cli(str(tmp_path), "--format", "json", "-o", str(tmp_path / "report.json"))
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["documents"] == 1


def test_the_baseline_file_is_an_input_too(cli, letter, tmp_path):
    base = tmp_path / "base.json"
    assert cli("baseline", "create", str(letter), "-o", str(base)).exit_code == 0
    before = base.read_bytes()
    result = cli(str(letter), "--baseline", str(base), "--format", "json", "-o", str(base))
    assert result.exit_code == 2 and base.read_bytes() == before


@pytest.mark.parametrize("kind", ["rules", "registry", "exemplars"])
def test_rule_packs_registries_and_exemplars_are_inputs_too(cli, letter, tmp_path, kind):
    folder = tmp_path / "read"
    folder.mkdir()
    if kind == "rules":
        target = folder / "mine.yaml"
        rule = (REPO / "rules/core/file/type-mismatch.yaml").read_text()
        target.write_text(rule.replace("id: file.type-mismatch", "id: custom.mine"))
        args = ["--rules", str(folder)]
    elif kind == "exemplars":
        target = folder / "genuine.txt"
        shutil.copy(SAMPLES / LETTER, target)
        args = ["--exemplars", str(folder)]
    else:
        target = tmp_path / "registry.yaml"
        target.write_text(_registry_without_exemplars())
        args = ["--registry", str(target)]
    before = target.read_bytes()
    result = cli(str(letter), *args, "-o", str(target))
    assert result.exit_code == 2 and "is an input of this run" in result.stderr, result.stderr
    assert target.read_bytes() == before


def _registry_without_exemplars() -> str:
    """The example registry with its exemplar folders (relative to samples/) dropped."""
    lines = (SAMPLES / "registry/example-registry.yaml").read_text().splitlines()
    return "\n".join(line for line in lines if not line.strip().startswith("exemplars:")) + "\n"


def test_two_outputs_naming_one_file_are_refused(cli, letter, tmp_path):
    result = cli(str(letter), "--json-output", str(tmp_path / "r.json"), "--sarif-output", str(tmp_path / "r.json"))
    assert result.exit_code == 2 and "named by two outputs" in result.stderr


# --- cannot be written: checked before the scan -----------------------------------------


def test_missing_output_folder_is_a_usage_error_before_the_scan(cli, letter, tmp_path):
    result = cli(str(letter), "-o", str(tmp_path / "no" / "such" / "report.txt"))
    assert result.exit_code == 2 and result.stdout == ""
    assert "cannot write report: folder" in one_line(result.stderr) and "does not exist" in result.stderr


def test_output_below_a_file_is_a_usage_error(cli, letter, tmp_path):
    result = cli(str(letter), "-o", str(letter / "report.txt"))
    assert result.exit_code == 2 and "is not a folder" in result.stderr


def test_output_that_is_a_folder_is_a_usage_error(cli, letter, tmp_path):
    result = cli(str(letter), "--sarif-output", str(tmp_path))
    assert result.exit_code == 2


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_a_usage_error(cli, letter, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = cli(str(letter), "-o", str(locked / "report.txt"))
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2 and "is not writable" in result.stderr


def test_preflight_names_an_unwritable_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic.os, "access", lambda path, mode: False)
    with pytest.raises(OutputError, match="cannot write report: folder .* is not writable"):
        atomic.preflight(str(tmp_path / "report.json"))


# --- devices, FIFOs and /dev/stdout: written in place, never replaced --------------------


def device(tmp_path: Path, name: str, minor: int) -> str:
    """A character device to write to.  As root, a private node in tmp_path with the numbers of
    /dev/null (3) or /dev/full (7), so a regression replaces that node, never the system's device
    (root may write in /dev); otherwise the system's own, which a user cannot replace."""
    if os.geteuid() == 0:
        node = tmp_path / name
        try:
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
            return str(node)
        except OSError as exc:
            pytest.skip(f"root, but cannot make a private device node here: {exc}")
    return f"/dev/{name}"


@linux
def test_dev_null_is_written_in_place_and_stays_a_device(cli, letter, tmp_path):
    null = device(tmp_path, "null", 3)
    result = cli(str(letter), "--json-output", null, "--sarif-output", null, "-f", "jsonl", "-o", null)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert not [name for name in os.listdir(os.path.dirname(null)) if name.endswith(".tmp")]


@linux
def test_full_device_is_not_replaced_and_the_report_goes_to_stdout(cli, letter, tmp_path):
    full = device(tmp_path, "full", 7)
    result = cli(str(letter), "--format", "json", "-o", full)
    assert result.exit_code == 3
    assert one_line(result.stderr).startswith(f"authcheck: {full}: cannot write report: No space left on device")
    assert json.loads(result.stdout)["path"].endswith(LETTER)  # not lost
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_paths_under_dev_and_proc_are_written_in_place():
    assert atomic.writes_in_place("/dev/stdout") and atomic.writes_in_place("/proc/self/fd/1")
    assert not atomic.writes_in_place("report.json") and not atomic.writes_in_place("-")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root can make a device node")
def test_block_device_is_never_written(cli, letter, tmp_path):
    disk = tmp_path / "disk"
    try:
        os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(7, 200))
    except OSError as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    result = cli(str(letter), "-o", str(disk))
    assert result.exit_code == 2 and "is a block device" in result.stderr
    assert stat.S_ISBLK(os.stat(disk).st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_written_in_place_for_its_reader(cli, letter, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        time.sleep(0.3)  # the reader must be waiting before authcheck opens the FIFO
        result = cli(str(letter), "--format", "json", "-o", str(fifo))
    finally:
        reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert json.loads(received[0])["path"].endswith(LETTER)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_without_reader_is_an_error_not_a_hang(cli, letter, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = cli(str(letter), "--format", "json", "-o", str(fifo))
    assert result.exit_code == 3
    assert "cannot write report: no process is reading this FIFO" in one_line(result.stderr)
    assert json.loads(result.stdout)["path"].endswith(LETTER)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@linux
def test_dev_stdout_into_a_closed_pipe_saves_the_report(letter, tmp_path):
    script = Path(sys.executable).parent / "authcheck"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "authcheck"]
    spare = tmp_path / "tmp"
    spare.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AUTHCHECK_")}, "AUTHCHECK_SERVER": "off"}
    env.update(AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"), TMPDIR=str(spare))
    proc = subprocess.Popen(
        [*command, str(letter), "-f", "json", "-o", "/dev/stdout"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader is gone before anything is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 3
    line = one_line(stderr)
    assert line.startswith("authcheck: /dev/stdout: cannot write report:") and "broken pipe" in line
    saved = list(spare.glob("authcheck-report-*.json"))
    assert len(saved) == 1 and str(saved[0]) in line
    assert json.loads(saved[0].read_text())["path"].endswith(LETTER)


# --- failures after the scan: one line, not lost, nothing left, exit 3 -------------------


def test_failed_rename_puts_the_report_on_stdout_and_leaves_no_temp(cli, letter, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    result = cli(str(letter), "--format", "json", "-o", str(out / "r.json"))
    assert result.exit_code == 3
    assert one_line(result.stderr) == (
        f"authcheck: {out / 'r.json'}: cannot write report: No space left on device "
        "(the report is written to standard output instead)"
    )
    assert json.loads(result.stdout)["path"].endswith(LETTER)
    assert os.listdir(out) == []


def test_disk_full_while_streaming_json_lines_keeps_every_line(cli, tmp_path, monkeypatch):
    folder = tmp_path / "letters"
    folder.mkdir()
    for name in ("coordination-letter.txt", "withdrawal-letter-2020.txt", "pentagon-statement.txt"):
        shutil.copy(SAMPLES / name, folder / name)
    out = tmp_path / "out"
    out.mkdir()
    real_write, calls, parent = os.write, [], os.getpid()

    def in_out(fd):  # a write to the report's temporary file (other files, such as cache entries, write too)
        ino = os.fstat(fd).st_ino
        return any(entry.inode() == ino for entry in os.scandir(out))

    def fills_up(fd, data):
        if os.getpid() != parent:  # a worker forked after the patch writes its results to the pipe as usual
            return real_write(fd, data)
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    # the parsed-rule cache writes through the same atomic writer: keep its entries out of the count
    monkeypatch.setenv("AUTHCHECK_NO_RULE_CACHE", "1")
    monkeypatch.setattr(atomic.os, "write", fills_up)
    result = cli(str(folder), "-f", "jsonl", "-o", str(out / "r.jsonl"), "--jobs", "1")
    assert result.exit_code == 3
    assert "cannot write report: No space left on device" in one_line(result.stderr)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(os.path.basename(r["path"]) for r in lines) == sorted(os.listdir(folder))
    assert os.listdir(out) == []


def test_extra_output_that_fails_goes_to_a_temp_file_when_stdout_is_taken(cli, letter, tmp_path, monkeypatch):
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spare))
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(atomic.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(5, "I/O error")))
    result = cli(str(letter), "--format", "json", "--sarif-output", str(out / "r.sarif"))
    assert result.exit_code == 3
    assert json.loads(result.stdout)["path"].endswith(LETTER)  # stdout keeps only its own report
    saved = list(spare.glob("authcheck-report-*.sarif"))
    assert len(saved) == 1 and str(saved[0]) in one_line(result.stderr)
    assert json.loads(saved[0].read_text())["version"] == "2.1.0"
    assert os.listdir(out) == []


def test_writer_commit_and_abort_leave_no_temp(tmp_path):
    target = tmp_path / "r.jsonl"
    writer = AtomicWriter(str(target)).open()
    writer.write("a\n")
    assert writer.salvage() == b"a\n" and not target.exists()
    writer.commit()
    assert target.read_text() == "a\n" and os.listdir(tmp_path) == ["r.jsonl"]
    other = AtomicWriter(str(target)).open()
    other.write("b\n")
    other.abort()
    assert target.read_text() == "a\n" and os.listdir(tmp_path) == ["r.jsonl"]


# --- two reports on standard output ---------------------------------------------------------


def _run_to_file(args: list[str], tmp_path: Path) -> tuple[int, str, str]:
    """Run the console script with standard output redirected to a regular file."""
    script = Path(sys.executable).parent / "authcheck"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "authcheck"]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AUTHCHECK_")}, "AUTHCHECK_SERVER": "off"}
    env.update(AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "stdout.txt"
    with open(out, "wb") as sink:
        proc = subprocess.run(command + args, cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.PIPE, timeout=120)
    return proc.returncode, out.read_text(), proc.stderr.decode()


@pytest.mark.parametrize(
    "extra",
    [["--json-output", "-"], ["-f", "json", "--sarif-output", "/dev/stdout"], ["-o", "-", "--jsonl-output", "-"]],
)
def test_two_reports_on_standard_output_are_refused(letter, tmp_path, extra):
    if extra[-1] == "/dev/stdout" and not os.path.exists("/dev/stdout"):
        pytest.skip("no /dev/stdout here")
    code, out, err = _run_to_file([str(letter), *extra], tmp_path)
    assert code == 2, err
    assert "two reports would both go to standard output" in one_line(err)
    assert out == ""


def test_one_report_on_standard_output_is_still_fine(letter, tmp_path):
    code, out, err = _run_to_file([str(letter), "-f", "json", "--sarif-output", str(tmp_path / "r.sarif")], tmp_path)
    assert code == 0, err
    assert json.loads(out)["path"].endswith(LETTER)


# --- long names --------------------------------------------------------------------------------


def test_a_long_but_legal_report_name_is_written(cli, letter, tmp_path):
    """The temporary file beside the report must fit the folder's name limit too (a 250-byte
    name made a 268-byte temporary name: ENAMETOOLONG after the scan, the report went elsewhere)."""
    report = tmp_path / ("r" * 245 + ".json")
    result = cli(str(letter), "--json-output", str(report))
    assert result.exit_code == 0, result.stderr
    assert json.loads(report.read_text())["documents"][0]["path"].endswith(LETTER)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_a_report_name_over_the_limit_is_refused_before_the_scan(cli, letter, tmp_path):
    report = tmp_path / ("r" * 300 + ".json")
    result = cli(str(letter), "-o", str(report))
    assert result.exit_code == 2
    assert "cannot write report: File name too long" in one_line(result.stderr)
    assert result.stdout == ""


# --- standard input and output that are the letter itself -------------------------------------


def _run_with(args: list[str], tmp_path: Path, stdin, stdout) -> tuple[int, str]:
    script = Path(sys.executable).parent / "authcheck"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "authcheck"]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AUTHCHECK_")}, "AUTHCHECK_SERVER": "off"}
    env.update(AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        command + args, cwd=tmp_path, env=env, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=120
    )
    return proc.returncode, proc.stderr.decode()


@linux
def test_dev_stdin_as_output_when_stdin_is_the_letter_is_refused(letter, tmp_path):
    """`check - -o /dev/stdin < letter.txt` wrote the report into the letter."""
    before = letter.read_bytes()
    with open(letter, "rb") as stdin:
        code, err = _run_with(["-", "-o", "/dev/stdin"], tmp_path, stdin, subprocess.DEVNULL)
    assert code == 2 and "is an input of this run (-)" in one_line(err)
    assert letter.read_bytes() == before


def test_standard_output_appending_to_the_letter_is_refused(letter, tmp_path):
    """`check letter.txt >> letter.txt` appended the console report to the letter it checked."""
    before = letter.read_bytes()
    with open(letter, "ab") as stdout:
        code, err = _run_with([str(letter)], tmp_path, subprocess.DEVNULL, stdout)
    assert code == 2 and one_line(err).startswith("authcheck: error: standard output: is an input of this run")
    assert letter.read_bytes() == before


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets here")
def test_a_socket_as_output_is_refused_before_the_scan(cli, letter, tmp_path):
    """A Unix socket was 'written in place' after the scan: exit 3 and 'no process is reading this FIFO'."""
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        result = cli(str(letter), "-o", str(path))
    finally:
        server.close()
    assert result.exit_code == 2 and "is a socket" in one_line(result.stderr)
    assert result.stdout == ""


# --- --html-output FOLDER/ ------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_planted_in_the_html_folder_is_replaced_not_followed(cli, letter, tmp_path):
    """out/index.html -> the letter: the index was written through the link, over the letter."""
    before = letter.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(letter, out / "index.html")
    result = cli(str(letter), "--html-output", str(out) + "/")
    assert result.exit_code == 0, result.stderr
    assert letter.read_bytes() == before
    assert not (out / "index.html").is_symlink() and "<html" in (out / "index.html").read_text().lower()


def test_a_file_where_the_html_folder_should_be_is_a_usage_error(cli, letter, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = cli(str(letter), "--html-output", str(tmp_path / "afile") + "/")
    assert result.exit_code == 2 and "cannot write report:" in one_line(result.stderr)
    assert "internal error" not in result.stderr and result.stdout == ""


def test_an_input_named_like_a_folder_report_is_refused(cli, letter, tmp_path):
    shutil.copy(letter, tmp_path / "index.html")
    before = (tmp_path / "index.html").read_bytes()
    result = cli(str(tmp_path), "--include", "*.html", "--html-output", str(tmp_path) + "/")
    assert result.exit_code == 2 and "an input of this run" in one_line(result.stderr)
    assert (tmp_path / "index.html").read_bytes() == before


def test_a_folder_report_that_cannot_be_written_is_one_line_and_exit_3(cli, letter, tmp_path, monkeypatch):
    from authcheck.reporters import htmlreport

    def refuse(folder, results, pictures=None):
        raise atomic.OutputError(os.path.join(folder, "index.html"), "No space left on device")

    monkeypatch.setattr(htmlreport, "write_html_folder", refuse)
    result = cli(str(letter), "--html-output", str(tmp_path / "out") + "/")
    assert result.exit_code == 3
    assert one_line(result.stderr) == f"authcheck: {tmp_path / 'out'}/: cannot write report: No space left on device"
