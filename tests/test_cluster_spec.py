"""What a cluster task carries besides its file: settings and rule packs as JSON (no Dask needed)."""

from __future__ import annotations

import json

import pytest

from authcheck.batch.cluster import run_spec
from authcheck.batch.clusterworker import build_ruleset
from authcheck.engine.rulepack import load_ruleset
from authcheck.settings import Bands, Limits, Override, Settings, settings_from_json, settings_to_json
from tests.test_cli import CODEWORD_RULE


def test_settings_survive_json_exactly():
    settings = Settings(
        rule_dirs=("a", "b"),
        disabled_rules=("x.y",),
        overrides={"r.one": Override("low", 2.5)},
        bands=Bands(20, 70),
        limits=Limits(timeout=7.5, memory_mb=300),
        password="pw",
        fail_on="review",
        fail_score=40,
        min_severity="high",
    )
    text = json.dumps(settings_to_json(settings))
    assert settings_from_json(json.loads(text)) == settings


def test_a_worker_rebuilds_the_clients_rules_from_the_shipped_text(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "codeword.yaml").write_text(CODEWORD_RULE)
    client = load_ruleset([str(pack)])
    spec = run_spec(Settings(rule_dirs=(str(pack),)), client)
    (pack / "codeword.yaml").unlink()  # the worker does not see the client's folder
    rebuilt = build_ruleset(spec)
    assert rebuilt.digest == client.digest
    assert [r.id for r in rebuilt.rules] == [r.id for r in client.rules]
    assert "custom.codeword" in {r.id for r in rebuilt.rules}


def test_a_worker_refuses_other_rules_or_another_version():
    client = load_ruleset([])
    spec = json.loads(run_spec(Settings(), client))
    with pytest.raises(RuntimeError, match="built-in rules differ"):
        build_ruleset(json.dumps({**spec, "rules_digest": "0" * 64}))
    with pytest.raises(RuntimeError, match="the client 0.0.0-other"):
        build_ruleset(json.dumps({**spec, "version": "0.0.0-other"}))
    assert settings_from_json(spec["settings"]) == Settings()


def test_without_dask_a_scheduler_is_one_line_and_exit_2(cli, monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the 'dask' extra were not installed
    result = cli(
        "check",
        "samples/coordination-letter.txt",
        "samples/draft-memo.pdf",
        "--no-cache",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "authcheck: error: --scheduler needs Dask: install authcheck's 'dask' extra "
        "(pip install '.[dask]' in the checkout)\n"
    )
