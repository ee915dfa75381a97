"""Project configuration: find `authcheck.toml` or `[tool.authcheck]`, validate it, and merge it
with the environment and the command line into one `ProjectConfig` that remembers where each
value came from (for `authcheck config show`).  Reads files; never prints.

Precedence, highest first: command line > environment > config file > defaults.  Lists and
scalars from a higher layer replace the lower one; `limits` and `bands` merge key by key and
`overrides` rule by rule.  Paths in a config file (`rules`, `baseline`, `ignore_file`,
`cache_dir`) are relative to the config file's folder.

Discovery (`discover_config`) walks up from the working folder to the repository root or the
user's home, and ignores, with a warning, a config file owned by another user or sitting in a
world-writable folder: a stray /tmp/authcheck.toml must not turn every scan under /tmp into a pass.
A file named with --config is used as given.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import field, fields
from typing import Any

from authcheck.errors import ConfigError
from authcheck.model import DOCUMENT_KINDS, SEVERITIES
from authcheck.settings import Bands, Limits, Override, Settings
from authcheck.util.patterns import compiled
from authcheck.util.records import frozen

FAIL_ON = ("review", "fail", "never")
PATH_KEYS = ("baseline", "ignore_file", "cache_dir")
ENVIRONMENT = {"AUTHCHECK_PASSWORD": "password", "AUTHCHECK_CACHE_DIR": "cache_dir"}
DEFAULT = "default"
COMMAND_LINE = "command line"


@frozen
class ProjectConfig:
    """The effective configuration of a run, and where each setting came from."""

    settings: Settings
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    jobs: int | None = None
    baseline: str | None = None
    ignore_file: str | None = None
    cache: bool = True
    cache_dir: str | None = None
    follow_symlinks: bool = False
    scheduler: str | None = None  #: a Dask scheduler address, or "local" (cluster.py)
    origins: dict[str, str] = field(default_factory=dict)  #: "limits.timeout" -> "command line"
    config_path: str | None = None


class _Bad(ValueError):
    """A value is wrong; `key` is its dotted path inside the table being checked."""

    def __init__(self, message: str, key: str = "", unknown: bool = False) -> None:
        super().__init__(message)
        self.message, self.key, self.unknown = message, key, unknown

    def under(self, name: str) -> _Bad:
        """The same problem, one table further out."""
        return _Bad(self.message, f"{name}.{self.key}" if self.key else name, self.unknown)


def _show(value: Any) -> str:
    text = f"'{value}'" if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(test: Callable[[Any], Any], what: str, convert: Callable[[Any], Any] = lambda v: v) -> Callable:
    """A checker: `test` decides, `what` is what the message says was expected."""

    def check(value: Any) -> Any:
        if not test(value):
            raise _Bad(f"expected {what}, got {_show(value)}")
        return convert(value)

    return check


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(low: float, high: float | None = None, whole: bool = True, above: bool = False) -> Callable:
    """A checker for a number in a range; `whole` refuses fractions, `above` excludes `low`."""

    def test(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, int if whole else (int, float)):
            return False
        return (v > low if above else v >= low) and (high is None or v <= high)

    span = f"above {low}" if above else f"{low} or more" if high is None else f"from {low} to {high}"
    return _kind(test, f"a {'whole number' if whole else 'number'} {span}", int if whole else float)


def _choice(options: tuple[str, ...]) -> Callable:
    return _kind(lambda v: isinstance(v, str) and v in options, f"one of {', '.join(options)}")


_text = _kind(_is_text, "a non-empty string")
_flag = _kind(lambda v: isinstance(v, bool), "true or false")
_str_list = _kind(
    lambda v: isinstance(v, (list, tuple)) and all(map(_is_text, v)), "a list of non-empty strings", tuple
)


def _table(spec: Mapping[str, Callable[[Any], Any]]) -> Callable[[Any], dict]:
    """A checker for a table whose keys are all known in advance."""

    def check(value: Any) -> dict:
        if not isinstance(value, dict):
            raise _Bad(f"expected a table, got {_show(value)}")
        out = {}
        for key, item in value.items():
            try:
                if key not in spec:
                    raise _Bad("unknown key", unknown=True)
                out[key] = spec[key](item)
            except _Bad as bad:
                raise bad.under(key) from None
        return out

    return check


def _bands(value: Any) -> dict:
    out = _table({"review": _number(1, 100), "fail": _number(1, 100)})(value)
    if "review" in out and "fail" in out and out["review"] >= out["fail"]:
        raise _Bad(f"review ({out['review']}) must be below fail ({out['fail']})", "review")
    return out


_override = _table({"severity": _choice(SEVERITIES), "weight": _number(0, 100, whole=False)})


def _overrides(value: Any) -> dict[str, Override]:
    if not isinstance(value, dict):
        raise _Bad(f"expected a table of rule id -> {{severity, weight}}, got {_show(value)}")
    out = {}
    for rule, item in value.items():
        try:
            out[_text(rule)] = Override(**_override(item))
        except _Bad as bad:
            raise bad.under(rule) from None
    return out


KIND_CHOICES = ("auto", *DOCUMENT_KINDS)


def _kinds(value: Any) -> tuple[tuple[str, str], ...]:
    """`kinds = {"letters/**" = "letter"}`: glob -> document kind, in the order written."""
    if not isinstance(value, dict):
        raise _Bad(f"expected a table of glob -> kind, got {_show(value)}")
    out = []
    for pattern, kind in value.items():
        try:
            out.append((_text(pattern), _choice(KIND_CHOICES)(kind)))
        except _Bad as bad:
            raise bad.under(f'"{pattern}"') from None
    return tuple(out)


_LIMIT_MAX = 1 << 40  # any larger byte or count limit means "no limit" and overflows the C layer
_LIMITS = {f.name: _number(1, _LIMIT_MAX) for f in fields(Limits)}
_LIMITS.update(
    timeout=_number(0.1, 3600, whole=False),
    memory_mb=_number(0, 1 << 20),
    max_pages=_number(1, 100000),
    read_time_percent=_number(1, 100),
    ocr_page_seconds=_number(0.1, 3600, whole=False),
    ocr_time_percent=_number(1, 100),
)

CHECKS: dict[str, Callable[[Any], Any]] = {
    "include": _str_list,
    "exclude": _str_list,
    "rules": _str_list,
    "disable": _str_list,
    "overrides": _overrides,
    "fail_on": _choice(FAIL_ON),
    "fail_score": _number(0, 100),
    "min_severity": _choice(SEVERITIES),
    "bands": _bands,
    "limits": _table(_LIMITS),
    "jobs": _number(1, 1024),
    "baseline": _text,
    "ignore_file": _text,
    "cache": _flag,
    "cache_dir": _text,
    "follow_symlinks": _flag,
    "kinds": _kinds,
    "registry": _str_list,
    "exemplars": _text,
    "scheduler": _text,
    "ocr_engine": _choice(("rapidocr", "tesseract", "none")),
}
CLI_CHECKS = {**CHECKS, "password": _text, "kind": _choice(KIND_CHOICES)}


def _validate(table: Mapping[str, Any], checks: Mapping, label: str, section: str) -> dict:
    """Check every key of `table`; the first problem becomes a ConfigError naming label and key."""
    try:
        return _table(checks)(table)
    except _Bad as bad:
        raise ConfigError(_message(bad, label, section, checks)) from None


def _message(bad: _Bad, label: str, section: str, checks: Mapping) -> str:
    if not bad.unknown:
        return f"{label}: key '{bad.key}'{section}: {bad.message}"
    head, _, last = bad.key.rpartition(".")
    known = [*list(_LIMITS), "review", "fail", "severity", "weight"] if head else list(checks)
    import difflib

    hint = difflib.get_close_matches(last, known, n=1)
    tip = f" (did you mean '{(head + '.' if head else '') + hint[0]}'?)" if hint else ""
    if bad.key == "password":
        tip = " (put the password in AUTHCHECK_PASSWORD, never in a file)"
    return f"{label}: unknown key '{bad.key}'{section}{tip}"


def _read_toml(path: str) -> dict:
    from authcheck.util.smallfile import CONFIG_MAX_BYTES, decode_utf8, read_capped

    try:
        text = decode_utf8(path, read_capped(path, CONFIG_MAX_BYTES, "config file"), "config file")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    tomllib = _tomllib()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None


def _has_section(pyproject: str) -> bool:
    try:
        with open(pyproject, "rb") as fh:
            raw = fh.read()
    except OSError:
        return False
    if b"\\u" not in raw and b"\\U" not in raw and (b"authcheck" not in raw or not _may_hold_section(raw)):
        return False  # no key path can be tool.authcheck (only a \\u escape in a quoted key could hide one)
    tomllib = _tomllib()
    try:
        tool = tomllib.loads(raw.decode("utf-8", "replace")).get("tool", {})
        return isinstance(tool, dict) and "authcheck" in tool
    except tomllib.TOMLDecodeError:
        return b"tool.authcheck" in raw  # broken, but meant for us: let load_config say why


def _may_hold_section(raw: bytes) -> bool:
    """False when a TOML text that names authcheck (a dependency, a script, a package) certainly has no
    tool.authcheck table, without parsing it: parsing imports tomllib (its patterns compiled as it
    loads), 4-9 ms of a command run in a project whose pyproject.toml names authcheck.

    Keys and table headers never span lines, and a key is relative to the table it is in: a key path
    tool.authcheck comes from a header naming authcheck, a key in a [tool] table (or array of tables),
    or a root key that starts with tool (dotted, or an inline table).  A line that could be any of
    these (in a string or not; without \\u escapes, checked by the caller) makes this True, as does
    a text that names tool.authcheck anywhere: a TOML error then still means a config meant for us.
    """
    if b"tool.authcheck" in raw:
        return True
    for line in raw.decode("utf-8", "replace").split("\n"):
        if line.lstrip(" \t").startswith("[") and "authcheck" in line:
            return True
        if _TOOL_TABLE(line) or _TOOL_KEY(line):
            return True
    return False


_TOOL_TABLE = compiled(r"""[ \t]*\[\[?[ \t]*(tool|"tool"|'tool')[ \t]*\]""").match  #: [tool], [[tool]]
_TOOL_KEY = compiled(r"""[ \t]*(tool|"tool"|'tool')[ \t]*[.=]""").match  #: tool.x = ..., tool = {...}


def _tomllib():
    """The TOML parser (imported only when a file is read: most runs have no config file)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    return tomllib


def find_config(start: str, home: str | None = None) -> str | None:
    """The nearest safe config file at or above `start` (see `discover_config`), or None."""
    return discover_config(start, home)[0]


def discover_config(start: str, home: str | None = None) -> tuple[str | None, list[str]]:
    """The nearest config file at or above `start`, and warnings about config files refused.

    The search stops after the repository root (a folder holding `.git`) or the user's home
    (`home`, default `~`), whichever comes first, and otherwise at the file-system root.  A file
    found there is refused, with a warning, when it is not safe to obey (`unsafe_reason`); the
    search then ends with no config, as git does for a repository it does not trust.
    """
    folder = os.path.abspath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    home = os.path.abspath(home or os.path.expanduser("~"))
    while True:
        found = _config_in(folder)
        if found:
            why = unsafe_reason(found)
            if why is None:
                return found, []
            return None, [f"ignoring config file {found}: {why} (pass --config {found} to use it anyway)"]
        parent = os.path.dirname(folder)
        if parent == folder or folder == home or os.path.exists(os.path.join(folder, ".git")):
            return None, []
        folder = parent


def _config_in(folder: str) -> str | None:
    own = os.path.join(folder, "authcheck.toml")
    if os.path.isfile(own):
        return own
    pyproject = os.path.join(folder, "pyproject.toml")
    if os.path.isfile(pyproject) and _has_section(pyproject):
        return pyproject
    return None


def unsafe_reason(path: str) -> str | None:
    """Why a discovered config file must not be obeyed, or None when it is safe.

    Unsafe: owned by another user, writable by every user (anyone could edit it), or in a
    world-writable folder unless that folder is sticky and the file is yours (anyone could have
    put it there, or replace it).  Like git's
    safe.directory.  Not checked where there are no Unix owners (Windows).
    """
    if not hasattr(os, "geteuid"):
        return None
    try:
        st, folder = os.stat(path), os.stat(os.path.dirname(os.path.abspath(path)))
    except OSError as exc:
        return f"cannot check its owner: {exc.strerror or exc}"
    me = os.geteuid()
    if st.st_uid != me:
        return f"it is owned by another user (uid {st.st_uid}, you are {me})"
    if st.st_mode & stat.S_IWOTH:
        return "it is writable by every user"
    if folder.st_mode & stat.S_IWOTH and not folder.st_mode & stat.S_ISVTX:
        return "its folder is writable by every user"
    return None


def _is_pyproject(path: str) -> bool:
    return os.path.basename(path) == "pyproject.toml"


def load_config(path: str | None) -> dict:
    """The validated values of a config file (paths made relative to its folder); {} for None."""
    if path is None:
        return {}
    data: Any = _read_toml(path)
    section = ""
    if _is_pyproject(path):
        section = " in [tool.authcheck]"
        data = data.get("tool", {}).get("authcheck") if isinstance(data.get("tool"), dict) else None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: no [tool.authcheck] table")
    values = _validate(data, CHECKS, path, section)
    base = os.path.dirname(os.path.abspath(path))
    for key in PATH_KEYS:
        if key in values:
            values[key] = os.path.join(base, os.path.expanduser(values[key]))
    if "rules" in values:
        values["rules"] = tuple(os.path.join(base, os.path.expanduser(p)) for p in values["rules"])
    if "kinds" in values:  # a glob with a "/" is relative to the config file's folder; a bare name matches anywhere
        values["kinds"] = tuple(
            (os.path.join(base, p) if "/" in p.strip("/") or p.startswith("/") else p, k) for p, k in values["kinds"]
        )
    if "registry" in values:
        values["registry"] = tuple(os.path.join(base, os.path.expanduser(p)) for p in values["registry"])
    if "exemplars" in values:
        values["exemplars"] = os.path.join(base, os.path.expanduser(values["exemplars"]))
    return values


def _flatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """One entry per setting: tables become dotted keys ("limits.timeout", "overrides.<rule>")."""
    flat = {}
    for key, value in values.items():
        if key in ("limits", "bands", "overrides"):
            flat.update({f"{key}.{sub}": item for sub, item in value.items()})
        else:
            flat[key] = value
    return flat


SETTINGS_KEYS = {
    "rules": "rule_dirs",
    "disable": "disabled_rules",
    "fail_on": "fail_on",
    "fail_score": "fail_score",
    "min_severity": "min_severity",
    "kind": "kind",
    "kinds": "kinds",
    "registry": "registry",
    "exemplars": "exemplars",
    "ocr_engine": "ocr_engine",
}
PROJECT_KEYS = (
    "include",
    "exclude",
    "jobs",
    "baseline",
    "ignore_file",
    "cache",
    "cache_dir",
    "follow_symlinks",
    "scheduler",
)


def _flat_of(cfg: ProjectConfig) -> dict[str, Any]:
    """Every setting of `cfg` under its config-file name, tables as dotted keys."""
    s = cfg.settings
    flat = {key: getattr(s, name) for key, name in SETTINGS_KEYS.items()}
    flat.update({f"bands.{f.name}": getattr(s.bands, f.name) for f in fields(Bands)})
    flat.update({f"limits.{f.name}": getattr(s.limits, f.name) for f in fields(Limits)})
    flat.update({f"overrides.{rule}": o for rule, o in sorted(s.overrides.items())})
    flat.update({key: getattr(cfg, key) for key in PROJECT_KEYS})
    flat["password"] = s.password
    return flat


def _origin_of(config_path: str | None) -> str:
    if config_path and _is_pyproject(config_path):
        return f"{config_path} [tool.authcheck]"
    return config_path or "config file"


def _given(cli_values: Mapping[str, Any]) -> dict:
    """Options the user gave: None and empty lists mean "not given"; "limits.timeout" nests."""
    out: dict[str, Any] = {}
    for key, value in cli_values.items():
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        table, dot, sub = key.partition(".")
        if dot and table in ("limits", "bands"):
            out.setdefault(table, {})[sub] = value
        else:
            out[key] = value
    return out


def resolve(file_values: dict, cli_values: dict, env: Mapping[str, str], config_path: str | None) -> ProjectConfig:
    """Merge defaults < config file < environment < command line, recording each value's origin.

    `cli_values` uses the config-file key names ("jobs", "limits": {...} or "limits.timeout",
    plus "password"); None or an empty list means the option was not given.
    """
    cli = _validate(_given(cli_values), CLI_CHECKS, COMMAND_LINE, "")
    merged = {key: (value, DEFAULT) for key, value in _flat_of(ProjectConfig(Settings())).items()}
    merged.update({k: (v, _origin_of(config_path)) for k, v in _flatten(file_values).items()})
    for name, key in ENVIRONMENT.items():
        if env.get(name):
            merged[key] = (env[name], f"environment ({name})")
    merged.update({k: (v, COMMAND_LINE) for k, v in _flatten(cli).items()})
    return _build(merged, config_path)


def _build(merged: dict[str, tuple[Any, str]], config_path: str | None) -> ProjectConfig:
    value = {key: item[0] for key, item in merged.items()}
    review, fail = value["bands.review"], value["bands.fail"]
    if review >= fail:
        raise ConfigError(
            f"{merged['bands.review'][1]}: key 'bands.review' ({review}) must be below "
            f"'bands.fail' ({fail}, from {merged['bands.fail'][1]})"
        )
    settings = Settings(
        **{name: value[key] for key, name in SETTINGS_KEYS.items()},
        password=value["password"],
        overrides={k[len("overrides.") :]: v for k, v in value.items() if k.startswith("overrides.")},
        bands=Bands(review=review, fail=fail),
        limits=Limits(**{f.name: value[f"limits.{f.name}"] for f in fields(Limits)}),
    )
    return ProjectConfig(
        settings,
        **{key: value[key] for key in PROJECT_KEYS},
        config_path=config_path,
        origins={key: item[1] for key, item in merged.items()},
    )


def _format(key: str, value: Any) -> str:
    if key == "password":
        return "(set)" if value else "(not set)"
    if isinstance(value, Override):
        parts = [f"{n}={getattr(value, n)}" for n in ("severity", "weight") if getattr(value, n) is not None]
        return ", ".join(parts) or "(no change)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "kinds":
        return ", ".join(f"{p} = {k}" for p, k in value) if value else "(none)"
    if isinstance(value, (tuple, list)):
        return ", ".join(value) if value else "(none)"
    return "(none)" if value is None else str(value)


def describe(cfg: ProjectConfig) -> list[tuple[str, str, str]]:
    """(setting, value, origin) rows for `authcheck config show`; the password is never shown."""
    rows = []
    for key, value in _flat_of(cfg).items():
        shown = _format(key, value)
        if key == "cache_dir" and value is None:
            from authcheck.util.places import default_cache_dir

            shown = f"{default_cache_dir()} (platform default)"
        rows.append((key, shown, cfg.origins.get(key, DEFAULT)))
    return rows
