"""A scan on a real Dask cluster: a scheduler and two workers started as processes on 127.0.0.1.

Checks the records (one per file, the local pool's verdicts, sorted JSON, valid SARIF), a worker
killed mid-scan, the retry limit, the result cache, Ctrl-C and `--scheduler local`.  Every wait
has a timeout and every process started here is stopped; nothing talks to any other address.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pipes import first_line

pytest.importorskip("distributed", reason="the cluster tests need Dask: pip install '.[dask]'")

from tests.test_sarif import assert_valid

REPO = Path(__file__).resolve().parents[1]
WAIT = 90  #: seconds any one step may take before the test fails
LETTERS = 8


class Cluster:
    """A scheduler and `workers` worker processes (no nannies: a killed worker stays dead)."""

    def __init__(
        self, tmp: Path, workers: int = 2, env: dict | None = None, wrap: list | None = None, tls: dict | None = None
    ) -> None:
        self.tmp, self.procs, self.workers, self.tls = tmp, [], [], tls
        self.env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "worker-cache"), **(env or {})}
        self.file = tmp / "scheduler.json"
        self._start(
            "dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(self.file),
            *self._tls_args("scheduler"),
        )
        deadline = time.monotonic() + WAIT
        while not (self.file.exists() and self.file.stat().st_size):
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one go, but let it land
        self.address = json.loads(self.file.read_text())["address"]
        assert self.address.startswith(("tls" if tls else "tcp") + "://127.0.0.1:")
        for _ in range(workers):
            self.workers.append(
                self._start(
                    "dask_worker",
                    "--scheduler-file",
                    str(self.file),
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                    *self._tls_args("worker"),
                    wrap=wrap or (),
                )
            )
        self.wait_for_workers(workers)

    def _start(self, module: str, *args: str, wrap=()) -> subprocess.Popen:
        """`python -m distributed.cli.MODULE ARGS`, run through the command `wrap` when given."""
        log = open(self.tmp / f"{module}-{len(self.procs)}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [*wrap, sys.executable, "-m", f"distributed.cli.{module}", *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.tmp,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def _tls_args(self, role: str) -> list[str]:
        if not self.tls:
            return []
        protocol = ["--protocol", "tls"] if role == "scheduler" else []
        cert, key = self.tls[role]
        return [*protocol, "--tls-ca-file", self.tls["ca"], "--tls-cert", cert, "--tls-key", key]

    def client(self):
        from distributed import Client
        from distributed.security import Security

        if not self.tls:
            return Client(self.address, timeout=WAIT)
        security = Security(
            tls_ca_file=self.tls["ca"],
            tls_client_cert=self.tls["client"][0],
            tls_client_key=self.tls["client"][1],
            require_encryption=True,
        )
        return Client(self.address, timeout=WAIT, security=security)

    def wait_for_workers(self, count: int) -> None:
        with self.client() as client:
            client.wait_for_workers(count, timeout=WAIT)

    def stop(self) -> None:
        """Kill every process (nothing of theirs needs flushing; their checking subprocesses exit
        when the socket to their worker closes)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs:
            proc.wait(WAIT)


@pytest.fixture
def cluster_factory(tmp_path):
    started = []

    def start(workers: int = 2, env: dict | None = None, wrap: list | None = None, tls: dict | None = None) -> Cluster:
        folder = tmp_path / f"cluster{len(started)}"
        folder.mkdir()
        started.append(Cluster(folder, workers, env, wrap, tls))
        return started[-1]

    yield start
    for cluster in started:
        cluster.stop()


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> Path:
    """Generated letters (benchmarks/make_corpus.py), a damaged PDF and an empty file."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), str(out), "--n", str(LETTERS), "--jobs", "1"],
        check=True,
        timeout=WAIT,
        capture_output=True,
    )
    folder = out / "letters"
    (folder / "damaged.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n%%EOF garbage")
    (folder / "empty.txt").write_bytes(b"")
    return folder


#: Dask's own setting: how long a client keeps trying to reach a scheduler (default 30 s)
QUICK_CONNECT = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}


def authcheck(*args: str, tmp: Path, env: dict | None = None, timeout: float = WAIT) -> subprocess.CompletedProcess:
    """The command line in a fresh process, with a private cache and config folder."""
    full_env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp / "cache-home"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        **QUICK_CONNECT,
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "authcheck", "check", *args],
        cwd=tmp,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def files_in(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.is_file() and p.suffix in (".pdf", ".docx", ".txt"))


def outcome(record: dict) -> tuple:
    """What must not change between a local and a cluster scan."""
    error = record["error"]
    return (
        record["sha256"],
        record["verdict"],
        record["score"],
        [f["rule"] for f in record["findings"]],
        error and (error["type"], error["stage"]),
    )


def local_records(folder: Path, tmp: Path) -> dict[str, dict]:
    run = authcheck(str(folder), "-f", "json", "--no-cache", tmp=tmp)
    assert run.returncode in (1, 3), run.stderr
    return {d["path"]: d for d in json.loads(run.stdout)["documents"]}


def scan_process(folder: Path, address: str, tmp: Path) -> subprocess.Popen:
    """`authcheck check FOLDER -f jsonl` on the cluster, running in the background (pipes open)."""
    cmd = [sys.executable, "-m", "authcheck", "check", str(folder), "-f", "jsonl", "--no-cache", "--scheduler", address]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "c"), "XDG_CONFIG_HOME": str(tmp / "cfg")}
    return subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def jsonl_records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_json_on_a_cluster_matches_the_local_pool_and_is_sorted(cluster_factory, letters, tmp_path):
    cluster = cluster_factory()
    run = authcheck(str(letters), "-f", "json", "--no-cache", "--scheduler", cluster.address, tmp=tmp_path)
    assert run.returncode == 3, run.stderr  # the damaged PDF could not be checked
    documents = json.loads(run.stdout)["documents"]
    paths = [d["path"] for d in documents]
    assert paths == sorted(paths) and sorted(paths) == files_in(letters)
    local = local_records(letters, tmp_path)
    assert {d["path"]: outcome(d) for d in documents} == {p: outcome(d) for p, d in local.items()}
    assert {d["verdict"] for d in documents} >= {"pass", None}


def test_sarif_from_a_cluster_is_valid(cluster_factory, letters, tmp_path):
    cluster = cluster_factory()
    run = authcheck(str(letters), "-f", "sarif", "--no-cache", "--scheduler", cluster.address, tmp=tmp_path)
    assert run.returncode == 3, run.stderr
    log = json.loads(run.stdout)
    assert_valid(log)
    assert log["runs"][0]["results"], "the letters raise findings"


def _can_hide_folders() -> bool:
    """True where this test may give a worker its own view of a folder (root, with unshare)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, timeout=WAIT
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_hide_folders(), reason="needs root and unshare to give workers another view of a folder")
def test_workers_that_cannot_see_the_files_are_sent_the_bytes(cluster_factory, letters, tmp_path):
    hidden = tmp_path / "client-only"
    hidden.mkdir()
    names = ["empty.txt", "damaged.pdf", next(p for p in letters.rglob("*.pdf") if p.name != "damaged.pdf").name]
    for name in names:
        (hidden / name).write_bytes(next(letters.rglob(name)).read_bytes())
    size = (hidden / names[2]).stat().st_size
    # In the workers' view the folder is an empty tmpfs holding a file of the same name and size,
    # other bytes: a file is read from the shared path only when its sha256 matches.
    script = f'mount -t tmpfs none "$0" && head -c {size} /dev/zero > "$0/{names[2]}" && exec "$@"'
    wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(hidden)]
    cluster = cluster_factory(wrap=wrap)
    run = authcheck(str(hidden), "-f", "jsonl", "--no-cache", "--scheduler", cluster.address, tmp=tmp_path)
    records = jsonl_records(run.stdout)
    local = local_records(hidden, tmp_path)
    assert sorted(r["path"] for r in records) == sorted(local) == files_in(hidden)
    assert {r["path"]: outcome(r) for r in records} == {p: outcome(d) for p, d in local.items()}


def test_a_worker_killed_mid_scan_loses_and_repeats_no_file(cluster_factory, letters, tmp_path):
    cluster = cluster_factory(env={"AUTHCHECK_CLUSTER_TEST_DELAY": "1.0"})
    with scan_process(letters, cluster.address, tmp_path) as scan:
        try:
            first = first_line(scan)  # a task finished, so both workers are busy with the next ones
            assert first.strip(), scan.stderr.read()
            cluster.workers[0].send_signal(signal.SIGKILL)
            rest, errors = scan.communicate(timeout=WAIT)
        finally:
            if scan.poll() is None:
                scan.kill()
    assert cluster.workers[0].wait(WAIT) == -signal.SIGKILL
    records = jsonl_records(first + rest)
    assert sorted(r["path"] for r in records) == files_in(letters), errors
    assert [line for line in errors.splitlines() if not line.startswith("authcheck: ")] == []
    local = local_records(letters, tmp_path)
    assert {r["path"]: outcome(r) for r in records} == {p: outcome(d) for p, d in local.items()}


def test_a_file_whose_workers_keep_dying_gets_a_typed_record(cluster_factory, letters, tmp_path):
    env = {"AUTHCHECK_CLUSTER_TEST_DELAY": "3.0", "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    cluster = cluster_factory(workers=2, env=env)
    one = tmp_path / "one"
    one.mkdir()
    (one / "letter.txt").write_bytes((REPO / "samples" / "coordination-letter.txt").read_bytes())
    with scan_process(one, cluster.address, tmp_path) as scan:
        try:
            busy = _busy_worker(cluster)
            busy.send_signal(signal.SIGKILL)
            out, _err = scan.communicate(timeout=WAIT)
        finally:
            if scan.poll() is None:
                scan.kill()
    records = jsonl_records(out)
    assert len(records) == 1 and scan.returncode == 3
    assert records[0]["error"] == {"type": "internal", "message": "worker lost 1 time", "stage": "worker"}


def _busy_worker(cluster: Cluster) -> subprocess.Popen:
    """The worker process that is running a task (waits for one, up to WAIT seconds)."""
    deadline = time.monotonic() + WAIT
    with cluster.client() as client:
        while time.monotonic() < deadline:
            busy = [addr for addr, keys in client.processing().items() if keys]
            if busy:
                pids = client.run(os.getpid, workers=busy)
                return next(p for p in cluster.workers if p.pid in pids.values())
            time.sleep(0.1)
    raise AssertionError("no task started")


def test_the_cache_is_filled_from_the_cluster_and_a_rescan_sends_nothing(cluster_factory, letters, tmp_path):
    cluster = cluster_factory()
    cache = tmp_path / "results"
    first = authcheck(
        str(letters), "-f", "json", "--cache-dir", str(cache), "--scheduler", cluster.address, tmp=tmp_path
    )
    assert first.returncode == 3, first.stderr
    cluster.stop()  # nothing may be sent now: a rescan that tried would fail to connect
    again = authcheck(
        str(letters), "-f", "json", "--cache-dir", str(cache), "--scheduler", "tcp://127.0.0.1:9", tmp=tmp_path
    )
    assert again.returncode == 3, again.stderr
    assert json.loads(again.stdout)["documents"] == json.loads(first.stdout)["documents"]


def test_ctrl_c_cancels_the_rest_and_exits_130(cluster_factory, letters, tmp_path):
    cluster = cluster_factory(env={"AUTHCHECK_CLUSTER_TEST_DELAY": "2.0"})
    with scan_process(letters, cluster.address, tmp_path) as scan:
        try:
            first = first_line(scan)
            scan.send_signal(signal.SIGINT)
            rest, err = scan.communicate(timeout=WAIT)
        finally:
            if scan.poll() is None:
                scan.kill()
    assert scan.returncode == 130, err
    done = len(jsonl_records(first + rest))
    total = len(files_in(letters))
    assert 1 <= done < total
    assert f"authcheck: interrupted: {total - done} file(s) not reached" in err
    assert "Traceback" not in err


def test_scheduler_local_starts_its_own_cluster(letters, tmp_path):
    run = authcheck(
        str(letters), "-f", "json", "--no-cache", "--scheduler", "local", "-j", "2", tmp=tmp_path, timeout=3 * WAIT
    )
    assert run.returncode == 3, run.stderr
    documents = json.loads(run.stdout)["documents"]
    local = local_records(letters, tmp_path)
    assert {d["path"]: outcome(d) for d in documents} == {p: outcome(d) for p, d in local.items()}


def test_a_scheduler_that_cannot_be_reached_is_one_line_and_exit_2(letters, tmp_path):
    run = authcheck(str(letters), "--no-cache", "--scheduler", "tcp://127.0.0.1:9", tmp=tmp_path)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("authcheck: error: scheduler 'tcp://127.0.0.1:9': cannot connect")


def test_dask_is_imported_only_for_a_cluster_scan(tmp_path):
    code = (
        "import sys; from authcheck.cli.main import main\n"
        "try:\n    main(['check', sys.argv[1], '--no-cache', '-f', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "samples")],
        capture_output=True,
        text=True,
        timeout=WAIT,
        cwd=tmp_path,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr


def test_a_file_that_overruns_kills_its_own_subprocess_never_the_dask_worker(cluster_factory, letters, tmp_path):
    cluster = cluster_factory()
    one = tmp_path / "one"
    one.mkdir()
    pdf = max(letters.rglob("*.pdf"), key=lambda p: p.stat().st_size)
    (one / pdf.name).write_bytes(pdf.read_bytes())
    # 0.1 s is less than a fresh checking subprocess needs to start, so it is killed on its first file
    cut = authcheck(
        str(one), "-f", "jsonl", "--no-cache", "--timeout", "0.1", "--scheduler", cluster.address, tmp=tmp_path
    )
    [record] = jsonl_records(cut.stdout)
    assert record["error"] == {"type": "timeout", "message": "gave up after 0.1 s", "stage": "worker"}
    assert all(worker.poll() is None for worker in cluster.workers)
    again = authcheck(str(one), "-f", "jsonl", "--no-cache", "--scheduler", cluster.address, tmp=tmp_path)
    [checked] = jsonl_records(again.stdout)
    assert checked["error"] is None and checked["verdict"] in ("pass", "review", "fail")
    assert all(worker.poll() is None for worker in cluster.workers)


def test_the_scheduler_can_come_from_the_config_file(letters, tmp_path):
    (tmp_path / "authcheck.toml").write_text('scheduler = "tcp://127.0.0.1:9"\n')
    run = authcheck(str(letters), "--no-cache", tmp=tmp_path)
    assert run.returncode == 2 and "scheduler 'tcp://127.0.0.1:9': cannot connect" in run.stderr
    (tmp_path / "authcheck.toml").write_text("scheduler = 8786\n")
    bad = authcheck(str(letters), "--no-cache", tmp=tmp_path)
    assert bad.returncode == 2 and "key 'scheduler'" in bad.stderr and "expected a non-empty string" in bad.stderr


def make_certificates(folder: Path) -> dict:
    """A private CA and a certificate for each side, for 127.0.0.1 (`cryptography`, the test extra)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def write(name: str, cert, key) -> tuple[str, str]:
        (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / f"{name}-key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return str(folder / f"{name}.pem"), str(folder / f"{name}-key.pem")

    def build(name: str, issuer, issuer_key, key, ca: bool):
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            import ipaddress

            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "authcheck test CA")])
    ca_cert = build("authcheck test CA", ca_name, ca_key, ca_key, True)
    out = {"ca": write("ca", ca_cert, ca_key)[0]}
    for role in ("scheduler", "worker", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        out[role] = write(role, build(role, ca_name, ca_key, key, False), key)
    return out


def test_tls_with_certificates_and_a_client_without_one_is_refused(cluster_factory, letters, tmp_path):
    pytest.importorskip("cryptography", reason="makes the test certificates")
    certs = make_certificates(tmp_path)
    cluster = cluster_factory(tls=certs)
    tls_env = {
        "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
        "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": certs["ca"],
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": certs["client"][0],
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": certs["client"][1],
    }
    run = authcheck(str(letters), "-f", "json", "--no-cache", "--scheduler", cluster.address, tmp=tmp_path, env=tls_env)
    assert run.returncode == 3, run.stderr
    documents = json.loads(run.stdout)["documents"]
    assert [d["path"] for d in documents] == files_in(letters)
    refused = authcheck(
        str(letters),
        "-f",
        "json",
        "--no-cache",
        "--scheduler",
        cluster.address,
        tmp=tmp_path,
        env={"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": certs["ca"]},
    )
    assert refused.returncode == 2 and "cannot connect" in refused.stderr and not refused.stdout


def test_a_file_the_client_cannot_hash_is_checked_by_the_local_pool(cluster_factory, letters, tmp_path):
    cluster = cluster_factory()
    folder = tmp_path / "odd"
    folder.mkdir()
    letter = REPO / "samples" / "coordination-letter.txt"
    (folder / letter.name).write_bytes(letter.read_bytes())
    os.mkfifo(folder / "nobody-writes.txt")  # never hashed by the client, never sent: it would block a reader
    run = authcheck(
        str(folder / letter.name),
        str(folder / "nobody-writes.txt"),
        "-f",
        "json",
        "--no-cache",
        "--timeout",
        "1",
        "--scheduler",
        cluster.address,
        tmp=tmp_path,
    )
    documents = {Path(d["path"]).name: d for d in json.loads(run.stdout)["documents"]}
    assert documents["nobody-writes.txt"]["error"] == {
        "type": "timeout",
        "message": "gave up after 1 s",
        "stage": "worker",
    }
    assert documents[letter.name]["error"] is None and run.returncode == 3


def test_a_lost_scheduler_gives_every_file_not_done_a_record_at_once(cluster_factory, letters, tmp_path):
    cluster = cluster_factory(env={"AUTHCHECK_CLUSTER_TEST_DELAY": "1.0"})
    with scan_process(letters, cluster.address, tmp_path) as scan:
        try:
            first = first_line(scan)
            cluster.procs[0].send_signal(signal.SIGKILL)  # the scheduler
            rest, err = scan.communicate(timeout=WAIT)
        finally:
            if scan.poll() is None:
                scan.kill()
    records = jsonl_records(first + rest)
    assert sorted(r["path"] for r in records) == files_in(letters) and scan.returncode == 3
    lost = [r for r in records if r["error"] and r["error"]["message"] == "lost the connection to the scheduler"]
    assert lost and all(r["error"]["type"] == "internal" for r in lost)
    assert [line for line in err.splitlines() if not line.startswith("authcheck: ")] == []
