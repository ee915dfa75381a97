"""Where things live on disk: the installed package, and the folders authcheck keeps its caches in."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def package_dir() -> str:
    """The folder of the installed `authcheck` package (its parent holds `rules/` in a checkout)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_cache_dir(env: Mapping[str, str] | None = None) -> str:
    """The platform's per-user cache folder for authcheck."""
    env = os.environ if env is None else env
    if env.get("XDG_CACHE_HOME"):
        return os.path.join(env["XDG_CACHE_HOME"], "authcheck")
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
        return os.path.join(base, "authcheck", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/authcheck")
    return os.path.expanduser("~/.cache/authcheck")


def cache_dir(env: Mapping[str, str] | None = None) -> str:
    """The one folder authcheck caches in: `AUTHCHECK_CACHE_DIR` when set, else the platform's.

    The result cache lives here (unless a project's config names another folder) and parsed rule
    files in its `rules-v2` subfolder."""
    env = os.environ if env is None else env
    return env.get("AUTHCHECK_CACHE_DIR") or default_cache_dir(env)


def config_dir(env: Mapping[str, str] | None = None) -> str:
    """The user's config folder for authcheck (never the cache folder)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "authcheck")
