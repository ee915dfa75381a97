"""The README's registry guide: its example commands run and say what the guide says; the example
registry validates; JSON with a registry section validates against the schema."""

from __future__ import annotations

import json
import re
import shlex

import pytest
import yaml

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
GUIDE = README.split("## Issuer registry and exemplars", 1)[1].split("\n## ", 1)[0]
COMMANDS = re.findall(r"^authcheck (check .*)$", re.findall(r"```sh\n(.*?)\n```", GUIDE, re.S)[0], re.M)


def test_the_guide_has_its_three_commands():
    assert len(COMMANDS) == 3


@pytest.mark.parametrize(
    "command,expect", list(zip(COMMANDS, ["corroborated", "issuer.near-miss", "signature.same-image"]))
)
def test_readme_example_commands(cli, command, expect):
    args = shlex.split(command, comments=True)
    console = cli(*args, "--no-cache", "--width", "120")
    assert "Traceback" not in console.stderr and console.exit_code in (0, 1)
    record = json.loads(cli(*args, "--no-cache", "--format", "json").stdout)
    rules = {f["rule"] for f in record["findings"]}
    if expect == "corroborated":
        assert "Corroborated by the registry: William H. Seely III" in console.stdout
        assert record["fields"]["registry"]["corroboration"].startswith("William H. Seely III")
        assert not {r for r in rules if r.startswith(("issuer.", "exemplar.", "letter.template"))}
    else:
        assert expect in rules


def test_the_guides_yaml_example_is_a_valid_registry(tmp_path):
    from authcheck.registry.load import load_registries

    block = re.findall(r"```yaml\n(.*?)\n```", GUIDE, re.S)[0]
    path = tmp_path / "office.yaml"
    path.write_text(block.replace("exemplars: exemplars/mof", "exemplars: null"))
    registry = load_registries([str(path)])
    assert [p.id for p in registry.people] == ["berg"] and registry.organisations[0].reference_sources


def test_the_example_registry_is_marked_as_an_example_with_sources():
    data = yaml.safe_load((REPO / "samples" / "registry" / "example-registry.yaml").read_text())
    assert data["example"] is True and data["sources"]
    assert any("Seely" in name for person in data["people"] for name in person["names"])


def test_registry_json_validates_against_the_schema(cli):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "authcheck" / "schemas" / "result-v1.json").read_text())
    record = json.loads(cli(*shlex.split(COMMANDS[2], comments=True), "--no-cache", "--format", "json").stdout)
    assert record["fields"]["registry"]["facts"]["signature.same_image"]
    assert sorted(e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(record)) == []
