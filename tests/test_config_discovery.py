"""Config discovery is bounded and refuses files it should not trust; the config in effect is named."""

from __future__ import annotations

import os

import pytest

from authcheck.batch.config import discover_config, find_config

needs_owners = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="Unix file owners")
FORGED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "forged-letter.pdf")


def write(path, text: str = "") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_search_stops_at_home(tmp_path):
    write(tmp_path / "authcheck.toml", 'fail_on = "never"\n')  # above home: never used
    (tmp_path / "home" / "me" / "letters").mkdir(parents=True)
    assert find_config(str(tmp_path / "home" / "me" / "letters"), home=str(tmp_path / "home" / "me")) is None
    own = write(tmp_path / "home" / "me" / "authcheck.toml")
    assert find_config(str(tmp_path / "home" / "me" / "letters"), home=str(tmp_path / "home" / "me")) == own


@needs_owners
def test_config_owned_by_another_user_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path / "authcheck.toml", 'fail_on = "never"\n')
    (tmp_path / ".git").mkdir()
    assert discover_config(str(tmp_path)) == (path, [])
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(path).st_uid + 1)
    found, warnings = discover_config(str(tmp_path))
    assert found is None
    assert warnings and path in warnings[0] and "owned by another user" in warnings[0]


@needs_owners
def test_config_in_a_world_writable_folder_is_refused_unless_sticky(tmp_path):
    shared = tmp_path / "shared"
    path = write(shared / "authcheck.toml", 'fail_on = "never"\n')
    (shared / ".git").mkdir()
    os.chmod(shared, 0o777)
    found, warnings = discover_config(str(shared))
    assert found is None and "writable by every user" in warnings[0]
    os.chmod(shared, 0o1777)  # like /tmp: only the owner may replace the file, and it is ours
    assert discover_config(str(shared)) == (path, [])
    os.chmod(shared, 0o755)


@needs_owners
def test_a_config_file_every_user_may_edit_is_refused(tmp_path):
    """Its folder is private, but the file itself is mode 0666: any user could set fail_on = never."""
    path = write(tmp_path / "authcheck.toml", 'fail_on = "never"\n')
    (tmp_path / ".git").mkdir()
    os.chmod(path, 0o666)
    found, warnings = discover_config(str(tmp_path))
    assert found is None and path in warnings[0] and "writable by every user" in warnings[0]
    os.chmod(path, 0o644)
    assert discover_config(str(tmp_path)) == (path, [])


@needs_owners
def test_refused_config_does_not_change_the_gate(cli, tmp_path):
    shared = tmp_path / "shared"
    write(shared / "authcheck.toml", 'fail_on = "never"\n')
    (shared / ".git").mkdir()
    os.chmod(shared, 0o777)
    try:
        result = cli(FORGED, cwd=shared)
    finally:
        os.chmod(shared, 0o755)
    assert result.exit_code == 1  # the forged sample fails; a stray config must not turn it into a pass
    assert "ignoring config file" in result.stderr and "authcheck.toml" in result.stderr


def test_console_header_and_config_show_name_the_config_in_effect(cli, tmp_path):
    path = write(tmp_path / "authcheck.toml", "jobs = 1\n")
    (tmp_path / ".git").mkdir()
    single = cli(FORGED, cwd=tmp_path)
    assert f"config: {path}" in single.stdout.splitlines()[0]
    shown = cli("config", "show", cwd=tmp_path)
    assert f"config file: {path}" in shown.stdout


def test_no_config_no_header(cli, tmp_path):
    (tmp_path / ".git").mkdir()
    assert "config:" not in cli(FORGED, cwd=tmp_path).stdout


def test_a_pyproject_that_never_names_authcheck_is_not_parsed(tmp_path, monkeypatch):
    """Most projects' pyproject.toml has no [tool.authcheck]: no TOML parse (nor import) to find that out."""
    from authcheck.batch import config

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "pyproject.toml").write_text('[tool."\\u0061uthcheck"]\nfail_on = "never"\n')

    def no_parse():
        raise AssertionError("parsed a pyproject that cannot name authcheck")

    monkeypatch.setattr(config, "_tomllib", no_parse)
    assert config._has_section(str(tmp_path / "pyproject.toml")) is False
    monkeypatch.undo()
    assert config._has_section(str(tmp_path / "broken" / "pyproject.toml")) is True  # an escaped key still counts


#: pyproject.toml texts that hold a tool.authcheck table, written every way TOML allows
HOLDS_SECTION = [
    '[tool.authcheck]\nfail_on = "never"\n',
    "[ tool . authcheck ]\njobs = 1\n",
    '[tool."authcheck"]\njobs = 1\n',
    "[\"tool\".'authcheck']\njobs = 1\n",
    "\t[tool.authcheck.overrides]\nx = 1\n",
    "[[tool.authcheck.x]]\na = 1\n",
    'tool.authcheck.fail_on = "never"\n',
    'name = 1\ntool = { authcheck = { fail_on = "never" } }\n',
    '"tool" . authcheck . jobs = 1\n',
    '[project]\nname = "x"\n[tool]\nauthcheck = { fail_on = "never" }\n',
    "[project]\nname = 'x'\n[tool]\n  authcheck.jobs = 2\n",
    "[tool]\r\nauthcheck.jobs = 1\r\n",
    'x = """\n[foo]\n"""\ntool.authcheck.jobs = 1\n',  # a header-like line in a string, then a root key
]

#: texts that name authcheck (a dependency, a script, a package) with no tool.authcheck table
NAMES_AUTHCHECK_ONLY = [
    '[project]\nname = "authcheck-letters"\ndependencies = ["authcheck>=1"]\n'
    '[project.scripts]\nauthcheck = "authcheck.cli:main"\n'
    '[tool.hatch.build.targets.wheel]\npackages = ["authcheck"]\n'
    '[tool.setuptools.package-data]\nauthcheck = ["rules/*.yaml"]\n'
    '[tool.ruff.lint.isort]\nknown-first-party = ["authcheck"]\n',
    '[tool.poetry.dependencies]\nauthcheck = "^1.0"\n',
    '[project.optional-dependencies]\ndev = [\n  "authcheck",\n]\n',
    '[project]\ndescription = "tools.authcheck wrapper; see tool = authcheck"\n',
]

#: texts where only parsing tells: a [tool] table or a root tool key without authcheck under it
PARSED_TO_TELL = ['[tool]\nruff = {}\nx = "authcheck"\n', "tool.ruff.x = 1\nauthcheck = 2\n"]


@pytest.mark.parametrize("text", HOLDS_SECTION + NAMES_AUTHCHECK_ONLY + PARSED_TO_TELL)
def test_a_pyproject_holds_a_section_exactly_when_toml_says_so(tmp_path, text):
    from authcheck.batch import config

    path = tmp_path / "pyproject.toml"
    path.write_bytes(text.encode())
    expected = "authcheck" in config._tomllib().loads(text).get("tool", {})
    assert expected == (text in HOLDS_SECTION)
    assert config._has_section(str(path)) is expected


@pytest.mark.parametrize("text", NAMES_AUTHCHECK_ONLY)
def test_a_pyproject_that_only_names_authcheck_is_not_parsed(tmp_path, monkeypatch, text):
    """A project that depends on authcheck, or is authcheck, has no table to find: no TOML parse
    (tomllib's import and patterns cost a command 4-9 ms) to find that out."""
    from authcheck.batch import config

    def no_parse():
        raise AssertionError("parsed a pyproject that has no [tool.authcheck]")

    (tmp_path / "pyproject.toml").write_text(text)
    monkeypatch.setattr(config, "_tomllib", no_parse)
    assert config._has_section(str(tmp_path / "pyproject.toml")) is False


def test_a_broken_pyproject_that_names_tool_authcheck_is_still_ours(tmp_path):
    """A pyproject.toml TOML cannot read, that names tool.authcheck anywhere, is taken as meant for
    authcheck (so that loading it says why it is broken) however little else it names."""
    from authcheck.batch import config

    path = tmp_path / "pyproject.toml"
    path.write_text('# settings: see tool.authcheck below\n[project\nname = "authcheck"\n')
    assert config._has_section(str(path)) is True
