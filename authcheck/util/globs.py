"""Glob patterns as regular expressions over "/"-separated paths, shared by discovery and the ignore file."""

from __future__ import annotations

import os
import re


def glob_to_regex(pattern: str) -> re.Pattern:
    """A glob pattern as a regex over "/"-separated paths: `*` and `?` stay within a part, `**` crosses."""
    pattern = pattern.replace(os.sep, "/").strip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)
