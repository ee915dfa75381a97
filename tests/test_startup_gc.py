"""The garbage collector across a command's start-up (`cli.launcher.entry`, issue 15): off while the
command starts, then its start-up objects frozen and the collector on before the command's body runs;
on in the standby and in a worker before either checks a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Runs the real entry point on a letter; records the collector's state in the command's body (on
#: stderr) and in the process that checks the letter (in the report's fields).
RUN = """
import dataclasses, gc, json, os, sys
sys.path[:0] = [{root!r}]
from authcheck.batch import pipeline
from authcheck.cli import commands

real_check, real_command = pipeline.check_path, commands.check_command


def check_path(path, settings, ruleset):
    result = real_check(path, settings, ruleset)
    probe = {{"gc": gc.isenabled(), "frozen": gc.get_freeze_count() > 0, "pid": os.getpid()}}
    return dataclasses.replace(result, fields={{**result.fields, "probe": probe}})


def check_command(*args, **kwargs):
    state = {{"gc": gc.isenabled(), "frozen": gc.get_freeze_count() > 0, "pid": os.getpid(), "collected": len(runs)}}
    code = real_command(*args, **kwargs)
    os.write(2, ("command " + json.dumps(state) + "\\n").encode())
    return code


pipeline.check_path, commands.check_command = check_path, check_command
sys.argv = ["authcheck", *sys.argv[1:]]
from authcheck.cli.launcher import entry

runs = []  # the collections from here (the command's start-up) to the command's body
gc.callbacks.append(lambda phase, info: runs.append(info["generation"]) if phase == "start" else None)
entry()
"""


@pytest.mark.parametrize("standby", ["on", "off"])
def test_the_collector_is_off_only_while_a_command_starts(tmp_path, standby):
    if standby == "on" and len(os.sched_getaffinity(0)) < 2:
        pytest.skip("a standby needs two usable cores")
    letter = ROOT / "samples" / "coordination-letter.txt"
    env = {**os.environ, "AUTHCHECK_SERVER": "off", "AUTHCHECK_STANDBY": standby, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN.format(root=str(ROOT))), str(letter), "-f", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("command ")]
    command = json.loads(line.removeprefix("command "))
    checker = json.loads(done.stdout)["fields"]["probe"]
    assert command["collected"] == 0  # none while it started: the collector was off
    assert command["gc"] is True and command["frozen"] is True  # then on, with start-up's objects frozen
    assert checker["gc"] is True and checker["pid"] != command["pid"]  # checked in a worker, collecting
    assert checker["frozen"] is True  # the standby froze its own start-up; a worker inherits the command's


@pytest.mark.parametrize("enabled", [True, False])
def test_a_program_that_runs_the_command_line_itself_keeps_its_collector_as_it_was(enabled):
    """Only the console script's start-up turns the collector off and back on (and freezes): a program
    calling `main` in its own process, as a test runner does, finds it as it left it."""
    import gc

    from click.testing import CliRunner

    from authcheck.cli.main import main

    frozen = gc.get_freeze_count()
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        letter = str(ROOT / "samples" / "coordination-letter.txt")
        result = CliRunner().invoke(main, [letter, "--format", "json", "--no-cache"])
        assert result.exit_code in (0, 1), result.output
        assert json.loads(result.output)["verdict"]  # the command ran, past the group's callback
        assert gc.isenabled() is enabled and gc.get_freeze_count() == frozen
    finally:
        (gc.enable if was else gc.disable)()
