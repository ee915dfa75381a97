"""The result cache: an embedded SQLite file of JSON result records, keyed by everything that can
change a result (content hash, file name, authcheck version, rule packs, settings).

The cache folder is not trusted, so records are JSON (never pickle) and each carries an HMAC-SHA256
over its key and text, made with a secret that is never stored in the cache folder (see cachekey.py).
A record that does not verify is a miss, counted in `ResultCache.failed` for the run's summary.
Anything wrong with the cache (corrupt, locked, unwritable, wrong schema) turns it off for the run
with one warning in `ResultCache.warning`; no method raises and a bad cache never gives a wrong
result.  The parent process is the only writer: `put` batches writes and `close` flushes them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any, NamedTuple

from authcheck.batch.filehash import file_sha256
from authcheck.model import ErrorInfo, Evidence, Finding, Location, Note, Result
from authcheck.scoring.record import LOCATION_KEYS, result_record
from authcheck.settings import Settings
from authcheck.util.cachekey import CacheKeyError, mac, verify
from authcheck.util.places import default_cache_dir
from authcheck.util.sha import sha256 as sha256_of

__all__ = ["Hit", "ResultCache", "file_sha256", "result_from_record", "result_to_record", "settings_digest"]

SCHEMA = "3"
FILE_NAME = "results-v3.sqlite3"  #: v2: records carry an HMAC, not a bare sha256; v3: and a summary
BATCH = 100
QUERY_KEYS = 500  #: keys looked up by one query (SQLite allows at least 999 parameters)
TRANSIENT_ERRORS = ("timeout", "memory", "internal")  #: may pass next time, so never cached
NOT_RESULT_SETTINGS = ("min_severity", "fail_on", "fail_score", "password", "evidence_boxes")  #: display, gate, secret
FINDING_KEYS = (
    "rule",
    "title",
    "severity",
    "axis",
    "weight",
    "contribution",
    "confidence",
    "message",
    "references",
    "remediation",
)
FINDING_EXTRAS = tuple(f.name for f in fields(Finding) if f.name not in (*FINDING_KEYS, "evidence", "suppressed"))
EVIDENCE_KEYS = tuple(f.name for f in fields(Evidence) if f.name not in ("text", "loc"))  #: after its location


def _canonical(value: Any) -> Any:
    """A JSON-able, order-independent form of settings values (dataclasses, mappings, tuples)."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (tuple, list)):
        return [_canonical(v) for v in value]
    return value


def settings_digest(settings: Settings) -> str:
    """sha256 over every setting that can change a result.

    Leaves out display and gate settings and the password (only whether one is set counts
    here; `ResultCache.key(password=...)` mixes in a slow, salted hash of it).  New Settings
    fields count by default, so adding one can cost a cache miss but never a wrong hit.
    """
    data = {
        f.name: _canonical(getattr(settings, f.name)) for f in fields(settings) if f.name not in NOT_RESULT_SETTINGS
    }
    data["disabled_rules"] = sorted(data.get("disabled_rules", []))
    data["password_set"] = settings.password is not None
    if not getattr(settings, "evidence_boxes", True):  # results without boxes never serve a run that shows them
        data["evidence_boxes"] = False
    if getattr(settings, "ocr_engine", "rapidocr") != "rapidocr":  # a system program: its version is not a library's
        from authcheck.loaders.ocr.engine import engine_version

        data["ocr_engine_version"] = engine_version(settings.ocr_engine)
    return sha256_of(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _tupled(value: Any) -> Any:
    """Lists back to tuples (the model's frozen sequences)."""
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def result_to_record(result: Result) -> dict:
    """The JSON report's record of a result (it carries every model field, so a cache hit gives
    back exactly the Result that was stored)."""
    return result_record(result)


def result_from_record(record: dict, path: str | None = None) -> Result:
    """The Result a JSON record describes, re-pathed to `path` when given (a cache hit)."""
    error = record.get("error")
    return Result(
        path=record["path"] if path is None else path,
        sha256=record["sha256"],
        format=record["format"],
        verdict=record["verdict"],
        score=record["score"],
        axes={k: v for k, v in record["axes"].items() if v is not None},
        reason=record["reason"],
        findings=tuple(_finding(f) for f in record["findings"]),
        fields=dict(record["fields"]),
        error=None if error is None else ErrorInfo(error["type"], error["message"], error["stage"]),
        notes=tuple(Note(n["code"], n["detail"], dict(n.get("data") or {})) for n in record["notes"]),
        next_steps=tuple(record["next_steps"]),
        rules_not_applied=tuple((r["rule"], r["reason"]) for r in record.get("rules_not_applied", ())),
    )


def _box(value: Any) -> Any:
    """A JSON evidence box ({x0, y0, x1, y1}) back to the model's tuple."""
    return tuple(value[k] for k in ("x0", "y0", "x1", "y1")) if isinstance(value, dict) else value


def _evidence(e: dict) -> Evidence:
    """An evidence record back to the model: its location keys make the one `Location`."""
    loc = Location(**{k: e[k] for k in LOCATION_KEYS if k in e})
    extras = {k: _box(e[k]) if k == "box" else _tupled(e[k]) for k in EVIDENCE_KEYS if k in e}
    return Evidence(e["text"], loc, **extras)


def _finding(f: dict) -> Finding:
    evidence = tuple(_evidence(e) for e in f["evidence"])
    extras = {key: _tupled(f[key]) for key in FINDING_EXTRAS if key in f}
    return Finding(
        **{key: _tupled(f[key]) for key in FINDING_KEYS}, evidence=evidence, suppressed=f["suppressed"], **extras
    )


def _cacheable(record: dict) -> bool:
    """Transient errors and results already carrying baseline/ignore suppressions are not stored."""
    error = record.get("error")
    if isinstance(error, dict) and error.get("type") in TRANSIENT_ERRORS:
        return False
    return not any(
        (f.get("suppressed") or {}).get("kind") in ("baseline", "ignore") for f in record.get("findings", ())
    )


class ResultCache:
    """Result records in `<directory>/results-v3.sqlite3`; degrades to no cache on any trouble."""

    def __init__(self, directory: str | None = None, secret: bytes | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.failed = 0  #: records that did not verify this run (each was a miss)
        self.path = os.path.join(self.directory, FILE_NAME)
        self.warning: str | None = None
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, tuple[str, str | None, str]] = {}  #: key -> (text, summary, tag)
        self._pending_hashes: dict[str, tuple[str, str]] = {}  #: stat_ident -> (sha256, tag)
        self._lock = threading.Lock()
        self._salt = ""
        self._secrets: dict[str, str] = {}
        self._secret = secret or b""
        try:
            if not self._secret:
                from authcheck.util.cachekey import load_key

                self._secret = load_key()
            self._open()
        except (sqlite3.Error, OSError, ValueError, CacheKeyError) as exc:
            self._disable(exc)

    def _open(self) -> None:
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        _refuse_links(self.path)
        db = sqlite3.connect(self.path, timeout=0.2, isolation_level=None, check_same_thread=False)
        self._db = db
        db.execute("PRAGMA busy_timeout = 200")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS results "
            "(key TEXT PRIMARY KEY, record TEXT NOT NULL, digest TEXT NOT NULL, summary TEXT)"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS hashes (ident TEXT PRIMARY KEY, sha256 TEXT NOT NULL, tag TEXT NOT NULL)"
        )
        meta = dict(db.execute("SELECT name, value FROM meta"))
        if not meta:  # a new file; two runs racing here both write the same schema, one salt wins
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?), ('salt', ?)", (SCHEMA, os.urandom(16).hex()))
            meta = dict(db.execute("SELECT name, value FROM meta"))
        columns = [row[1] for row in db.execute("PRAGMA table_info(results)")]
        if meta.get("schema") != SCHEMA or columns != ["key", "record", "digest", "summary"]:
            raise ValueError(f"unexpected schema {meta.get('schema')!r}")
        self._salt = meta["salt"]

    def _disable(self, exc: BaseException) -> None:
        if self.warning is None:
            self.warning = (
                f"result cache disabled for this run: {self.path}: {exc}; "
                "results are computed afresh (delete the file, or use --no-cache, to silence this)"
            )
        self._pending.clear()
        self._pending_hashes.clear()
        self._close_db()

    def _close_db(self) -> None:
        """Close the database file, ignoring errors (the cache is only an accelerator)."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None

    @property
    def enabled(self) -> bool:
        """False once the cache has been turned off for this run."""
        return self._db is not None

    def key(
        self,
        *,
        sha256: str,
        name: str,
        version: str,
        rules_digest: str,
        settings_digest: str,
        password: str | None = None,
    ) -> str:
        """The cache key of one check: content, base name, version, the versions of the libraries
        that shape a result, rules, settings (and password)."""
        from authcheck.util.cachekey import library_versions

        parts = [
            sha256,
            os.path.basename(name.replace("\\", "/")),
            version,
            library_versions(),
            rules_digest,
            settings_digest,
            self._password_hash(password),
        ]
        return sha256_of(json.dumps(parts).encode("utf-8")).hexdigest()

    def _password_hash(self, password: str | None) -> str:
        if password is None:
            return ""
        if password not in self._secrets:  # slow and salted: the key must not give the password away
            import hashlib  # OpenSSL's PBKDF2: only for a password

            derived = hashlib.pbkdf2_hmac("sha256", password.encode(), self._salt.encode(), 200_000)
            self._secrets[password] = derived.hex()
        return self._secrets[password]

    def get(self, key: str, path: str | None = None) -> dict | None:
        """The stored record for `key` (its "path" set to `path` when given), or None (miss or off)."""
        hit = self.get_many([key]).get(key)
        if hit is None:
            return None
        if path is not None:
            hit.record["path"] = path
        return hit.record

    def get_many(self, keys: Sequence[str], *, light: bool = False) -> dict[str, Hit]:
        """The verified entry of every key that has one (one query per `QUERY_KEYS` keys); a key
        whose stored entry does not verify is a miss, counted in `failed`.

        `light=True`: where the entry has a summary (`light_record`), the hit's record and Result are
        the summary's, and the whole record is not parsed (a run that streams JSON lines needs no more)."""
        with self._lock:
            rows = {key: self._pending[key] for key in keys if key in self._pending}
            try:
                rows.update(self._stored([key for key in dict.fromkeys(keys) if key not in rows]))
            except sqlite3.Error as exc:
                self._disable(exc)
                return {}
        hits = {}
        for key, (text, summary, tag) in rows.items():
            checked = _checked(self._secret, key, text, summary, tag, light)
            if checked is None:
                self.failed += 1
            else:
                hits[key] = Hit(*checked, text)
        return hits

    def _stored(self, keys: list[str]) -> dict[str, tuple[str, str | None, str]]:
        """(text, summary, tag) of each key found in the database (raises sqlite3.Error)."""
        found: dict[str, tuple[str, str | None, str]] = {}
        db = self._db
        if db is None:
            return found
        for start in range(0, len(keys), QUERY_KEYS):
            chunk = keys[start : start + QUERY_KEYS]
            query = f"SELECT key, record, summary, digest FROM results WHERE key IN ({','.join('?' * len(chunk))})"
            for key, text, summary, tag in db.execute(query, chunk):
                found[key] = (text, summary, tag)
        return found

    def put(self, key: str, record: dict) -> str | None:
        """Store a record (batched) and return its stored text; transient errors are skipped, and
        failures turn the cache off (None: nothing stored)."""
        try:
            if self._db is None or not _cacheable(record):
                return None
            text, summary = stored_texts(record)
        except Exception:
            return None
        with self._lock:
            self._pending[key] = (text, summary, mac(self._secret, key, text, *_present(summary)))
            if len(self._pending) >= BATCH:
                self._flush()
        return text

    def hashes(self, idents: Sequence[str]) -> dict[str, str]:
        """The content hash the index holds for each file state (`stat_ident`), where its MAC
        verifies; an entry that does not is counted in `failed` (the file is then read again)."""
        found: dict[str, str] = {}
        with self._lock:
            db = self._db
            if db is None:
                return found
            try:
                for start in range(0, len(idents), QUERY_KEYS):
                    chunk = list(idents[start : start + QUERY_KEYS])
                    query = f"SELECT ident, sha256, tag FROM hashes WHERE ident IN ({','.join('?' * len(chunk))})"
                    for ident, sha, tag in db.execute(query, chunk):
                        if verify(self._secret, tag, "file-hash", ident, sha):
                            found[ident] = sha
                        else:
                            self.failed += 1
            except sqlite3.Error as exc:
                self._disable(exc)
                return {}
        return found

    def remember_hash(self, ident: str, sha256: str) -> None:
        """Put a file state's content hash in the index (written with the results)."""
        with self._lock:
            if self._db is not None:
                self._pending_hashes[ident] = (sha256, mac(self._secret, "file-hash", ident, sha256))

    def _flush(self) -> None:
        if self._db is None or not (self._pending or self._pending_hashes):
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
            rows = [(key, *entry) for key, entry in self._pending.items()]
            self._db.executemany(
                "INSERT OR REPLACE INTO results (key, record, summary, digest) VALUES (?, ?, ?, ?)", rows
            )
            hashes = [(ident, *entry) for ident, entry in self._pending_hashes.items()]
            self._db.executemany("INSERT OR REPLACE INTO hashes (ident, sha256, tag) VALUES (?, ?, ?)", hashes)
            self._db.execute("COMMIT")
            self._pending.clear()
            self._pending_hashes.clear()
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        """Write what is pending and close the file; safe to call twice."""
        with self._lock:
            self._flush()
            self._close_db()

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hit(NamedTuple):
    """A verified cache entry: its record and Result (under the path it was stored with; the
    summary's when read `light`), and the stored text of the whole record (see `stored_texts`)."""

    record: dict
    result: Result
    text: str


def stored_texts(record: dict) -> tuple[str, str | None]:
    """A record's stored text, and the text of its summary (`light_record`).

    JSON in the record's own key order (a cached report prints exactly as a fresh one), compact and
    not ASCII-escaped, so a JSON-lines report can write it through (`reporters.jsonout.
    jsonl_line_from_text`).  A record that holds a lone surrogate (which the database cannot store
    as UTF-8) is stored ASCII-escaped and without a summary: it is always read whole."""
    text = _compact(record)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record), None
    return text, _compact(light_record(record))


def light_record(record: dict) -> dict:
    """The summary a run that streams JSON lines reads instead of the whole record: no fields, notes
    or next steps, and only the first finding, without its evidence (the run keeps less still of
    it, see `cli.commands._light`; the stored form is unchanged so that caches stay valid)."""
    findings = [{**finding, "evidence": []} for finding in record["findings"][:1]]
    return {**record, "findings": findings, "fields": {}, "notes": [], "next_steps": []}


def _compact(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _present(summary: str | None) -> tuple[str, ...]:
    """The summary as a part of the MAC when there is one (an entry without one has the MAC it had
    before summaries existed)."""
    return () if summary is None else (summary,)


def _refuse_links(path: str) -> None:
    """ValueError when the database (or its journal) is a symbolic link or not a regular file: the
    cache folder is not trusted, and SQLite would follow a link and create, or add tables to,
    whatever file it names (another program's database, a file anywhere the user may write)."""
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        try:
            mode = os.lstat(name).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            raise ValueError(
                f"{name} is {'a symbolic link' if stat.S_ISLNK(mode) else 'not a regular file'}; "
                "the cache uses only a regular file there"
            )


def _checked(
    secret: bytes, key: str, text: str, summary: str | None, tag: str, light: bool = False
) -> tuple[dict, Result] | None:
    """A record (the summary's when `light` and there is one) whose MAC verifies and that converts to
    a Result, with that Result; or None: the cache folder is not trusted, and an entry moved to
    another key or edited (digest recomputed or not) fails here."""
    try:
        if not verify(secret, tag, key, text, *_present(summary)):
            return None
        record = json.loads(summary if light and summary is not None else text)
        return record, result_from_record(record)
    except Exception:
        return None
