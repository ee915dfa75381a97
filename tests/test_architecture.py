"""The house stays the house: the import graph, drawn from the code, has no circles and no arrows up.

`tools/importgraph.py` reads every import of the package with `ast` (function-level ones too; only
`if TYPE_CHECKING:` blocks are skipped) and places each module on a floor of `LAYERS`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import importgraph  # noqa: E402 - tools/ is not a package on the path

GRAPH = importgraph.graph(ROOT)


def test_every_module_lives_on_a_floor():
    assert [m for m in GRAPH if importgraph.floor_of(m) is None] == []


def test_no_import_circles():
    assert importgraph.cycles(GRAPH) == []


def test_no_import_runs_back_up():
    assert importgraph.arrows_up(GRAPH) == []


def test_at_most_nine_floors_from_the_command_line_down_to_the_model():
    cli = importgraph.floor_of("authcheck.cli.main")
    model = importgraph.floor_of("authcheck.model")
    assert cli is not None and model is not None
    assert cli - model + 1 <= 9


def test_the_top_level_holds_only_the_public_api_model_errors_and_settings():
    top = {p.stem for p in (ROOT / "authcheck").glob("*.py")}
    assert top <= {"__init__", "__main__", "api", "model", "errors", "settings", "version"}


def test_the_package_root_imports_nothing_when_imported():
    tree = ast.parse((ROOT / "authcheck" / "__init__.py").read_text(encoding="utf-8"))
    imported = [
        node
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        and not (isinstance(node, ast.Import) and all(a.name in {"importlib"} for a in node.names))
        and not (isinstance(node, ast.ImportFrom) and node.module == "typing")
    ]
    assert imported == []


def test_importing_the_root_loads_no_other_module_of_the_package():
    code = "import sys, authcheck; print(sorted(m for m in sys.modules if m.startswith('authcheck')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['authcheck']"


def test_public_names_load_lazily_and_are_the_real_objects():
    import authcheck
    from authcheck.api import check, scan
    from authcheck.model import Result
    from authcheck.settings import Settings

    assert (authcheck.check, authcheck.scan, authcheck.Result, authcheck.Settings) == (check, scan, Result, Settings)
    assert set(authcheck.__all__) >= {"check", "scan", "Result", "Settings", "__version__"}
    with pytest.raises(AttributeError):
        authcheck.no_such_name  # noqa: B018 - the attribute access is the test


def test_the_package_is_typed():
    assert (ROOT / "authcheck" / "py.typed").is_file()


def test_the_graph_tool_finds_a_circle_and_an_arrow_up(tmp_path):
    pkg = tmp_path / "authcheck"
    (pkg / "util").mkdir(parents=True)
    (pkg / "cli").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "model.py").write_text("def f():\n    from authcheck.cli import main\n")
    (pkg / "util" / "__init__.py").write_text("")
    (pkg / "util" / "a.py").write_text("from authcheck.util import b\n")
    (pkg / "util" / "b.py").write_text("from . import a\n")
    (pkg / "cli" / "__init__.py").write_text("")
    (pkg / "cli" / "main.py").write_text("import authcheck.model\n")
    g = importgraph.graph(tmp_path)
    assert importgraph.cycles(g) == [
        ["authcheck.cli.main", "authcheck.model"],
        ["authcheck.util.a", "authcheck.util.b"],
    ]
    assert importgraph.arrows_up(g) == [("authcheck.model", "authcheck.cli.main")]
