"""The secret that authenticates cache entries, kept out of the cache folder.

Anyone who can write the cache folder (a CI cache restored from another branch, a shared
machine) could otherwise plant a record that says PASS.  Every entry of the result cache and the
parsed-rule cache therefore carries an HMAC-SHA256 made with a key that never sits in the cache
folder: `AUTHCHECK_CACHE_KEY` when set (CI: a secret of the protected branch), else a random key
created on first use in the user's config folder (`$XDG_CONFIG_HOME/authcheck/cache.key` or
`~/.config/authcheck/cache.key`, mode 0600, created with O_EXCL so a racing run never gets a
half-written key).  An entry that does not verify is a miss.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
from collections.abc import Mapping

from authcheck.util.places import config_dir
from authcheck.util.sha import Hmac, compare_digest, sha256

ENV_KEY = "AUTHCHECK_CACHE_KEY"
KEY_BYTES = 32
LIBRARIES = (
    "pypdf",
    "rapidfuzz",
    "PyYAML",
    "google-re2",
    "cryptography",
    "pyhanko",
    "pyhanko-certvalidator",
    "rapidocr-onnxruntime",
    "onnxruntime",
    "pillow",
    "numpy",
    "pypdfium2",
)
#: distributions whose behaviour can reach a finding; their versions are part of every cache key


class CacheKeyError(Exception):
    """No cache key could be read or created (the cache is then off for the run)."""


def key_path(env: Mapping[str, str] | None = None) -> str:
    """Where the generated key lives."""
    return os.path.join(config_dir(env), "cache.key")


def load_key(env: Mapping[str, str] | None = None) -> bytes:
    """The cache key: from the environment, else from (or newly created in) the config folder."""
    env = os.environ if env is None else env
    given = env.get(ENV_KEY)
    memo = (given, None if given is not None else key_path(env))
    if memo not in _KEYS:
        _KEYS[memo] = _load(env, given)
    return _KEYS[memo]


_KEYS: dict = {}  #: read once per process (the rule loader asks once per rule file)


def existing_key(env: Mapping[str, str] | None = None) -> bytes | None:
    """The cache key when there is one already (the environment's, or the file's), never creating
    it: for reading what only a key's holder could have written. None when there is none yet."""
    env = os.environ if env is None else env
    if env.get(ENV_KEY) is None and not os.path.lexists(key_path(env)):
        return None
    try:
        return load_key(env)
    except (CacheKeyError, OSError):
        return None


def _load(env: Mapping[str, str], given: str | None) -> bytes:
    if given is not None:
        if len(given.strip()) < 16:
            raise CacheKeyError(f"{ENV_KEY} is shorter than 16 characters")
        return sha256(given.strip().encode("utf-8")).digest()
    path = key_path(env)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    return _create_key(path)


def _read_key(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block every run for ever
            raise CacheKeyError(f"{path}: the cache key is not a regular file")
        if hasattr(os, "getuid") and (st.st_uid != os.geteuid() or st.st_mode & 0o077):
            raise CacheKeyError(f"{path}: the cache key must be owned by you with mode 0600")
        raw = os.read(fd, 4096).strip()
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) < 16:
        raise CacheKeyError(f"{path}: not a cache key (delete it and a new one is made)")
    return key


def _create_key(path: str) -> bytes:
    """A new key, written whole to a temporary file and linked into place, so a process reading
    the key meanwhile (a command and its standby start together) never sees it half written; when
    another process linked its key first, that one is used."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    key = os.urandom(KEY_BYTES)  # what secrets.token_bytes returns, without importing secrets and random (≈ 1.5 ms)
    temp = f"{path}.{os.getpid()}.new"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(key.hex() + "\n")
        os.link(temp, path)
    except FileExistsError:  # another run won the race: use its key
        return _read_key(path)
    finally:
        try:
            os.unlink(temp)
        except OSError:
            pass
    return key


def mac(key: bytes, *parts: str) -> str:
    """HMAC-SHA256 over the parts (length-prefixed, so no two part lists collide)."""
    datas = [part.encode("utf-8") for part in parts]
    h = Hmac(key, sum(map(len, datas)))
    for data in datas:
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def verify(key: bytes, tag: str, *parts: str) -> bool:
    """True when `tag` is the MAC of the parts under `key` (constant-time compare)."""
    return isinstance(tag, str) and compare_digest(mac(key, *parts), tag)


@functools.lru_cache(maxsize=1)
def library_versions() -> str:
    """ "name=version" of every library in LIBRARIES (computed once per process), and the PDF page-text
    reader chosen by AUTHCHECK_PDF_TEXT (loaders/pdf.py)."""
    import platform

    out = [f"python={platform.python_version()}", f"pdf-text={os.environ.get('AUTHCHECK_PDF_TEXT', 'auto')}"]
    scanned = scan_versions(LIBRARIES)
    for name in LIBRARIES:
        version = scanned.get(name, UNSURE)
        out.append(f"{name}={_metadata_version(name) if version is UNSURE else version or '-'}")
    return ";".join(out)


UNSURE = object()  #: a library the scan leaves to importlib.metadata


def scan_versions(names: tuple[str, ...]) -> dict[str, object]:
    """name -> version, or None when not installed, read from the `.dist-info` folders on sys.path
    the way importlib.metadata finds them (first path entry first, names PEP 503-normalised), without
    importing it (about 15 ms with the e-mail package, on every run that uses the result cache).
    A name is left out (ask importlib.metadata) when its folder is an `.egg-info` or its METADATA
    is unusual; every name is left out when the path holds what the scan does not read (a zip or
    an egg, a finder of distributions other than the standard one)."""
    import importlib.machinery

    finders = [f for f in sys.meta_path if getattr(f, "find_distributions", None) is not None]
    if finders != [importlib.machinery.PathFinder]:
        return {}
    wanted = {_normalized(name) for name in names}
    found: dict[str, object] = {}  #: normalised name -> version or UNSURE (first path entry first)
    for entry in sys.path:
        root = entry or "."
        if root.lower().endswith(".egg"):
            return {}
        try:
            children = os.listdir(root)
        except NotADirectoryError:  # a zip archive: importlib.metadata reads its listing
            return {}
        except OSError:  # missing or unreadable: importlib.metadata finds nothing there either
            continue
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")):
                key = _normalized(low.rpartition(".")[0].partition("-")[0])
                if key in wanted and key not in found:
                    is_dist_info = low.endswith(".dist-info")
                    found[key] = _dist_info_version(os.path.join(root, child)) if is_dist_info else UNSURE
    versions = {name: found.get(_normalized(name)) for name in names}
    return {name: version for name, version in versions.items() if version is not UNSURE}


def _normalized(name: str) -> str:
    """A distribution name as importlib.metadata compares them (PEP 503, dashes as underscores)."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _dist_info_version(folder: str) -> object:
    """The version a `.dist-info` folder's METADATA states, or UNSURE."""
    try:
        with open(os.path.join(folder, "METADATA"), encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, ValueError):
        return UNSURE
    version = header_version(text)
    return UNSURE if version is None else version


def _metadata_version(name: str) -> str:
    from importlib import metadata

    try:
        return distribution_version(name)
    except metadata.PackageNotFoundError:
        return "-"


def header_version(text: str) -> str | None:
    """The first `Version:` header of a METADATA text's header block, read as the e-mail parser
    reads it; None when there is none or it is folded over lines."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            break  # the end of the headers
        key, sep, value = line.partition(":")
        if sep and key.lower() == "version":
            folded = i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t")
            return None if folded else value.lstrip(" \t")
    return None


def distribution_version(name: str) -> str:
    """`importlib.metadata.version(name)` without the e-mail parser it runs over the whole METADATA
    file (about 3 ms a library, on every run that uses the result cache): the first `Version:`
    header of the header block, read as that parser reads it; anything unusual (no such header,
    a folded one) is left to `importlib.metadata` itself.  Raises PackageNotFoundError the same way."""
    from importlib import metadata

    dist = metadata.Distribution.from_name(name)
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("") or ""
    version = header_version(text)
    return dist.version if version is None else version
