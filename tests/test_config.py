"""Project config: discovery walking up, validation messages naming file and key, precedence, origins."""

from __future__ import annotations

import os
import sys

import pytest

from authcheck.batch import config
from authcheck.batch.config import describe, find_config, load_config, resolve
from authcheck.errors import ConfigError
from authcheck.settings import Override


def write(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def load_text(tmp_path, text: str, name: str = "authcheck.toml") -> dict:
    return load_config(write(tmp_path / name, text))


# --- discovery ------------------------------------------------------------------------


def test_find_config_walks_up_to_the_nearest_file(tmp_path):
    found = write(tmp_path / "proj" / "authcheck.toml", "")
    deep = tmp_path / "proj" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(str(deep)) == found
    assert find_config(str(deep / "letter.pdf")) == found  # a file path starts at its folder


def test_authcheck_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.authcheck]\njobs = 2\n")
    own = write(tmp_path / "authcheck.toml", "jobs = 3\n")
    assert find_config(str(tmp_path)) == own


def test_pyproject_without_our_table_is_skipped(tmp_path):
    outer = write(tmp_path / "authcheck.toml", "")
    write(tmp_path / "inner" / "pyproject.toml", "[tool.black]\nline-length = 100\n")
    assert find_config(str(tmp_path / "inner")) == outer


def test_pyproject_with_our_table_is_found(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[tool.authcheck.limits]\ntimeout = 5\n")
    assert find_config(str(tmp_path)) == pyproject


def test_broken_pyproject_that_mentions_us_is_found_so_the_error_is_reported(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[tool.authcheck]\njobs = = 2\n")
    assert find_config(str(tmp_path)) == pyproject
    with pytest.raises(ConfigError, match="pyproject.toml: not valid TOML"):
        load_config(pyproject)


def test_search_stops_at_the_folder_holding_git_after_checking_it(tmp_path):
    write(tmp_path / "authcheck.toml", "")  # above the repository: must not be used
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "docs").mkdir()
    assert find_config(str(tmp_path / "repo" / "docs")) is None
    own = write(tmp_path / "repo" / "authcheck.toml", "")
    assert find_config(str(tmp_path / "repo" / "docs")) == own


def test_no_config_anywhere_gives_none(tmp_path):
    (tmp_path / ".git").mkdir()
    assert find_config(str(tmp_path)) is None


# --- loading and validation -------------------------------------------------------------


def test_load_reads_every_key_and_anchors_paths_to_the_config_folder(tmp_path):
    values = load_text(
        tmp_path,
        """
include = ["**/*.pdf"]
exclude = ["drafts/**"]
rules = ["packs/org"]
disable = ["wording.informal-tone"]
fail_on = "review"
fail_score = 70
min_severity = "low"
jobs = 4
baseline = ".authcheck-baseline.json"
ignore_file = ".authcheck-ignore.yaml"
cache = false
cache_dir = "cache"
follow_symlinks = true
bands = {review = 30, fail = 70}
limits = {timeout = 5, max_pages = 20}
[overrides]
"sig.unsigned" = {severity = "high", weight = 35}
""",
    )
    assert values["rules"] == (str(tmp_path / "packs/org"),)
    assert values["baseline"] == str(tmp_path / ".authcheck-baseline.json")
    assert values["cache_dir"] == str(tmp_path / "cache")
    assert values["include"] == ("**/*.pdf",)  # globs are left alone
    assert values["overrides"] == {"sig.unsigned": Override(severity="high", weight=35.0)}
    assert values["limits"] == {"timeout": 5.0, "max_pages": 20}
    assert values["bands"] == {"review": 30, "fail": 70}


def test_load_none_is_empty():
    assert load_config(None) == {}


def test_pyproject_reads_only_our_table(tmp_path):
    values = load_text(tmp_path, "[tool.other]\nx = 1\n[tool.authcheck]\njobs = 2\n", "pyproject.toml")
    assert values == {"jobs": 2}


def test_explicit_pyproject_without_our_table_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"pyproject.toml: no \[tool.authcheck\] table"):
        load_text(tmp_path, "[tool.black]\n", "pyproject.toml")


def test_missing_config_file_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: cannot read"):
        load_config(str(tmp_path / "nope.toml"))


def test_unknown_key_in_pyproject_names_file_key_and_table(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, "[tool.authcheck]\nfoo = 1\n", "pyproject.toml")
    assert str(err.value) == f"{tmp_path / 'pyproject.toml'}: unknown key 'foo' in [tool.authcheck]"


def test_unknown_key_suggests_the_near_miss(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, 'fail-on = "review"\n')
    assert str(err.value) == f"{tmp_path / 'authcheck.toml'}: unknown key 'fail-on' (did you mean 'fail_on'?)"


def test_password_in_a_file_is_refused_with_the_way_to_give_it(tmp_path):
    with pytest.raises(ConfigError, match="unknown key 'password'.*AUTHCHECK_PASSWORD"):
        load_text(tmp_path, 'password = "hunter2"\n')


BAD_VALUES = [
    ('include = "*.pdf"', "include", "list of non-empty strings"),
    ("exclude = [1]", "exclude", "list of non-empty strings"),
    ('rules = [""]', "rules", "list of non-empty strings"),
    ('disable = "x"', "disable", "list of non-empty strings"),
    ('fail_on = "high"', "fail_on", "one of review, fail, never"),
    ("fail_score = 101", "fail_score", "from 0 to 100"),
    ("fail_score = true", "fail_score", "whole number"),
    ('min_severity = "severe"', "min_severity", "one of info, low, medium, high, critical"),
    ("jobs = 0", "jobs", "from 1 to 1024"),
    ("jobs = 2.5", "jobs", "whole number"),
    ('baseline = ""', "baseline", "non-empty string"),
    ("ignore_file = 3", "ignore_file", "non-empty string"),
    ('cache = "yes"', "cache", "true or false"),
    ("cache_dir = []", "cache_dir", "non-empty string"),
    ("follow_symlinks = 1", "follow_symlinks", "true or false"),
    ("bands = {review = 0, fail = 50}", "bands.review", "from 1 to 100"),
    ("bands = {review = 10, fail = 101}", "bands.fail", "from 1 to 100"),
    ("bands = {review = 60, fail = 60}", "bands.review", "must be below fail"),
    ("bands = 5", "bands", "expected a table"),
    ("limits = {timeout = 0}", "limits.timeout", "number from 0.1 to 3600"),
    ('limits = {timeout = "5s"}', "limits.timeout", "number from 0.1 to 3600"),
    ("limits = {timeout = inf}", "limits.timeout", "number from 0.1 to 3600"),
    ("limits = {max_bytes = -1}", "limits.max_bytes", "from 1 to "),
    ("limits = {max_bytes = 100000000000000000000}", "limits.max_bytes", "from 1 to "),
    ("limits = {memory_mb = 1.5}", "limits.memory_mb", "whole number"),
    ("limits = {zip_max_ratio = false}", "limits.zip_max_ratio", "whole number"),
    ('overrides = {"sig.unsigned" = {severity = "huge"}}', "overrides.sig.unsigned.severity", "one of info"),
    ('overrides = {"sig.unsigned" = {weight = 101}}', "overrides.sig.unsigned.weight", "from 0 to 100"),
    ('overrides = {"sig.unsigned" = 5}', "overrides.sig.unsigned", "expected a table"),
    ("overrides = []", "overrides", "expected a table of rule id"),
]


@pytest.mark.parametrize("line, key, words", BAD_VALUES)
def test_every_bad_value_names_file_and_key(tmp_path, line, key, words):
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, line + "\n")
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'authcheck.toml'}: key '{key}': ")
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "line, key",
    [
        ("limits = {timeuot = 5}", "limits.timeuot"),
        ("bands = {warn = 5}", "bands.warn"),
        ('overrides = {"a.b" = {sev = "low"}}', "overrides.a.b.sev"),
    ],
)
def test_unknown_nested_keys_are_named_with_their_table(tmp_path, line, key):
    with pytest.raises(ConfigError, match=f"authcheck.toml: unknown key '{key}'"):
        load_text(tmp_path, line + "\n")


def test_bad_value_in_pyproject_names_the_table(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, "[tool.authcheck.limits]\ntimeout = -1\n", "pyproject.toml")
    assert str(err.value).startswith(
        f"{tmp_path / 'pyproject.toml'}: key 'limits.timeout' in [tool.authcheck]: expected a number from 0.1 to 3600"
    )


def test_tomllib_is_the_standard_library_on_311_and_later():
    if sys.version_info >= (3, 11):
        import tomllib

        assert config._tomllib() is tomllib
    else:  # pragma: no cover - Python 3.10 takes the fallback
        assert config._tomllib().__name__ == "tomli"


# --- precedence and origins --------------------------------------------------------------


def test_defaults_come_from_settings_and_say_so():
    cfg = resolve({}, {}, {}, None)
    assert cfg.settings.fail_on == "fail" and cfg.settings.limits.timeout == 30.0
    assert cfg.cache is True and cfg.jobs is None and cfg.follow_symlinks is False
    assert set(cfg.origins.values()) == {"default"}


def test_command_line_beats_environment_beats_file_beats_default(tmp_path):
    path = write(
        tmp_path / "authcheck.toml",
        'fail_on = "review"\njobs = 2\ncache_dir = "c"\nlimits = {timeout = 5, max_pages = 9}\n',
    )
    env = {"AUTHCHECK_CACHE_DIR": "/env/cache", "AUTHCHECK_PASSWORD": "from-env"}
    cli = {"jobs": 8, "limits": {"timeout": 1}, "password": "from-cli", "fail_score": None}
    cfg = resolve(load_config(path), cli, env, path)
    assert cfg.jobs == 8 and cfg.origins["jobs"] == "command line"
    assert cfg.settings.limits.timeout == 1.0 and cfg.origins["limits.timeout"] == "command line"
    assert cfg.settings.limits.max_pages == 9 and cfg.origins["limits.max_pages"] == path
    assert cfg.settings.limits.max_bytes == 100 * 1024 * 1024 and cfg.origins["limits.max_bytes"] == "default"
    assert cfg.cache_dir == "/env/cache" and cfg.origins["cache_dir"] == "environment (AUTHCHECK_CACHE_DIR)"
    assert cfg.settings.password == "from-cli" and cfg.origins["password"] == "command line"
    assert cfg.settings.fail_on == "review" and cfg.origins["fail_on"] == path
    assert cfg.settings.fail_score is None and cfg.origins["fail_score"] == "default"  # None = not given


def test_environment_password_and_pyproject_origin_label(tmp_path):
    path = write(tmp_path / "pyproject.toml", "[tool.authcheck]\nmin_severity = 'low'\n")
    cfg = resolve(load_config(path), {}, {"AUTHCHECK_PASSWORD": "pw", "AUTHCHECK_CACHE_DIR": ""}, path)
    assert cfg.settings.password == "pw"
    assert cfg.origins["password"] == "environment (AUTHCHECK_PASSWORD)"
    assert cfg.origins["min_severity"] == f"{path} [tool.authcheck]"
    assert cfg.origins["cache_dir"] == "default"  # an empty variable is not a value


def test_overrides_merge_rule_by_rule_and_reach_settings(tmp_path):
    path = write(tmp_path / "authcheck.toml", '[overrides]\n"a.one" = {weight = 10}\n"a.two" = {severity = "low"}\n')
    cli = {"overrides": {"a.two": {"severity": "critical"}}}
    cfg = resolve(load_config(path), cli, {}, path)
    assert cfg.settings.overrides == {"a.one": Override(weight=10.0), "a.two": Override(severity="critical")}
    assert cfg.origins["overrides.a.one"] == path and cfg.origins["overrides.a.two"] == "command line"


def test_bands_checked_after_merging_layers(tmp_path):
    path = write(tmp_path / "authcheck.toml", "bands = {review = 50}\n")
    with pytest.raises(ConfigError) as err:
        resolve(load_config(path), {"bands": {"fail": 40}}, {}, path)
    assert str(err.value) == (f"{path}: key 'bands.review' (50) must be below 'bands.fail' (40, from command line)")


def test_command_line_values_are_validated_too():
    with pytest.raises(ConfigError, match="^command line: key 'fail_on': expected one of review, fail, never"):
        resolve({}, {"fail_on": "loud"}, {}, None)
    with pytest.raises(ConfigError, match="^command line: unknown key 'colour'"):
        resolve({}, {"colour": True}, {}, None)


def test_describe_lists_every_setting_with_value_and_origin_and_hides_the_password(tmp_path):
    path = write(tmp_path / "authcheck.toml", 'exclude = ["a/**", "b/**"]\n[overrides]\n"x.y" = {weight = 5}\n')
    cfg = resolve(load_config(path), {"jobs": 3}, {"AUTHCHECK_PASSWORD": "s3cret"}, path)
    rows = {key: (value, origin) for key, value, origin in describe(cfg)}
    assert rows["exclude"] == ("a/**, b/**", path)
    assert rows["jobs"] == ("3", "command line")
    assert rows["cache"] == ("true", "default")
    assert rows["fail_score"] == ("(none)", "default")
    assert rows["limits.timeout"] == ("30.0", "default")
    assert rows["bands.fail"] == ("60", "default")
    assert rows["overrides.x.y"] == ("weight=5.0", path)
    assert rows["password"] == ("(set)", "environment (AUTHCHECK_PASSWORD)")
    assert all("s3cret" not in value for value, _ in rows.values())
    assert rows["cache_dir"][0].endswith("(platform default)")


def test_relative_paths_in_a_config_are_relative_to_its_folder_not_the_cwd(tmp_path, monkeypatch):
    path = write(tmp_path / "proj" / "authcheck.toml", 'ignore_file = "ign.yaml"\n')
    monkeypatch.chdir(tmp_path)
    cfg = resolve(load_config(os.path.relpath(path)), {}, {}, path)
    assert cfg.ignore_file == str(tmp_path / "proj" / "ign.yaml")


def test_command_line_shapes_from_click_are_understood():
    cfg = resolve(
        {"exclude": ("x/**",)},
        {"exclude": (), "include": ("*.pdf",), "limits.timeout": 2, "bands.review": 10},
        {},
        None,
    )
    assert cfg.exclude == ("x/**",) and cfg.origins["exclude"] == "config file"  # () = not given
    assert cfg.include == ("*.pdf",) and cfg.settings.limits.timeout == 2.0
    assert cfg.settings.bands.review == 10 and cfg.origins["bands.review"] == "command line"
