"""SHA-256 and HMAC-SHA256 without OpenSSL for a command's small inputs (`util/sha.py`, issue 15:
start-up): the same digests as hashlib and hmac, OpenSSL only where it pays, and a one-file check
whose command and standby never load it."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from authcheck.util import sha

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

KEYS = [b"", b"k", b"sixteen byte key", bytes(range(64)), bytes(range(65)), os.urandom(200)]
MESSAGES = [b"", b"abc", bytes(range(256)) * 3, os.urandom(70_000)]


@pytest.fixture(params=["builtin", "openssl"])
def implementation(request, monkeypatch):
    """Each test runs once with each implementation `new` can pick."""
    if request.param == "openssl":
        monkeypatch.setattr(sha, "LARGE", 0)  # every input counts as large
    else:
        monkeypatch.delitem(sys.modules, "_hashlib", raising=False)  # as if this process had not loaded OpenSSL
    return request.param


def test_the_implementation_in_use_is_the_one_asked_for(implementation):
    made = sha.new(10)
    assert (type(made) is type(hashlib.sha256())) is (implementation == "openssl")


@pytest.mark.parametrize("data", MESSAGES, ids=len)
def test_sha256_gives_hashlibs_digest(implementation, data):
    assert sha.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    split = sha.new(len(data))
    split.update(data[:7])
    split.update(data[7:])
    assert split.digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("key", KEYS, ids=len)
@pytest.mark.parametrize("data", MESSAGES, ids=len)
def test_hmac_gives_the_standard_librarys_mac(implementation, key, data):
    expected = hmac.new(key, data, hashlib.sha256)
    once = sha.Hmac(key, len(data))
    once.update(data)
    assert once.digest() == expected.digest()
    fed = sha.Hmac(key, len(data))
    for start in range(0, len(data), 1000):
        fed.update(data[start : start + 1000])
    assert fed.hexdigest() == expected.hexdigest()
    assert fed.digest() == fed.digest()  # reading the digest leaves the state as it was


def test_compare_digest_is_the_constant_time_compare():
    assert sha.compare_digest(b"abc", b"abc") and not sha.compare_digest(b"abc", b"abd")
    assert sha.compare_digest("f00d", "f00d") and not sha.compare_digest("f00d", "f00")


CHOICE = """
import json, sys
from authcheck.util import sha
seen = {}
sha.sha256(b"x" * 1000).hexdigest()
seen["small"] = "_hashlib" in sys.modules
sha.sha256(b"x" * sha.LARGE).hexdigest()
seen["large"] = "_hashlib" in sys.modules
seen["after"] = type(sha.new()).__name__
print(json.dumps(seen))
"""


def test_openssl_is_loaded_for_a_large_input_only_and_then_used_for_every_input():
    done = subprocess.run([sys.executable, "-c", CHOICE], capture_output=True, text=True, check=True, timeout=60)
    seen = json.loads(done.stdout)
    assert seen == {"small": False, "large": True, "after": type(hashlib.sha256()).__name__}


PROBE = """
import json, os, sys
from authcheck.cli import launcher
_exit, command = os._exit, os.getpid()
def leave(code):
    role = "command" if os.getpid() == command else "child"
    sys.stderr.write("SEEN " + json.dumps([role, "_hashlib" in sys.modules]) + "\\n")
    sys.stderr.flush()
    _exit(code)
os._exit = leave
sys.argv = ["authcheck", *sys.argv[1:]]
launcher.entry()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the standby is forked: Linux only")
@pytest.mark.parametrize(
    "letters, cache",
    [
        (["withdrawal-letter-2020.pdf"], False),
        (["withdrawal-letter-2020.pdf"], True),
        (["draft-memo.docx"], True),
        (["withdrawal-letter-2020.pdf", "draft-memo.docx"], True),
    ],
)
def test_only_a_run_of_several_files_loads_openssl(letters, cache, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("AUTHCHECK_STANDBY", "CI")}
    env.update(AUTHCHECK_SERVER="off", AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path))
    args = [sys.executable, "-c", PROBE, *(str(SAMPLES / name) for name in letters), "--format", "json"]
    done = subprocess.run(
        [*args, *([] if cache else ["--no-cache"])], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert done.returncode == 1 and json.loads(done.stdout)  # a verdict, as with hashlib
    seen = [json.loads(line[5:]) for line in done.stderr.splitlines() if line.startswith("SEEN ")]
    roles = {role for role, _ in seen}
    assert "command" in roles and (len(os.sched_getaffinity(0)) < 2 or "child" in roles)  # the standby or a worker
    # One file: neither the command nor its standby loaded OpenSSL.  Several: the command did, before
    # it hashed them for the cache and forked its workers (a standby forked earlier hashes without).
    several = len(letters) > 1
    assert [loaded for role, loaded in seen if role == "command"] == [several], seen
    assert several or not any(loaded for _, loaded in seen), seen
