"""The package's import graph, drawn from the code with `ast`: floors, circles, back-up arrows.

Every `import` counts, at module level or inside a function, except those under
`if TYPE_CHECKING:` (they never run).  `from pkg import name` is an arrow to `pkg.name` when that
is a module, else to `pkg`.  Run it to see the house:

    python tools/importgraph.py            # summary: modules per folder, floors, circles, arrows up
    python tools/importgraph.py --longest  # also the longest module chain from the command line down
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "authcheck"


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom node that can run (skips `if TYPE_CHECKING:` bodies)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that `module` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = _base(module, path.name == "__init__.py", node)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                out.add(name)
    return out


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    files = module_files(root)
    known = set(files)
    return {m: imports_of(m, p, known) for m, p in files.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def longest_chain(g: dict[str, set[str]], start: str) -> list[str]:
    """The longest import chain from `start` (graph must have no circles)."""
    memo: dict[str, list[str]] = {}

    def down(v: str) -> list[str]:
        if v not in memo:
            best = max((down(w) for w in g.get(v, ())), key=len, default=[])
            memo[v] = [v, *best]
        return memo[v]

    return down(start)


# The floors of the house, lowest first.  A module may import its own floor or a lower one, never
# a higher one.  Each entry is a module or a folder (every module under it).
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "authcheck.version",
        "authcheck.errors",
        "authcheck.model",
        "authcheck.settings",
        "authcheck.util",
        "authcheck.schemas",
    ),
    ("authcheck.loaders",),
    ("authcheck.forensics", "authcheck.extract"),
    ("authcheck.engine",),
    ("authcheck.registry",),
    ("authcheck.scoring",),
    ("authcheck.batch.pipeline", "authcheck.suppress"),
    ("authcheck.batch", "authcheck.reporters", "authcheck.api"),
    ("authcheck.cli", "authcheck.__main__"),
    ("authcheck",),
)


def floor_of(module: str) -> int | None:
    """The floor a module lives on (None when no entry of LAYERS covers it)."""
    best: tuple[int, int] | None = None
    for level, entries in enumerate(LAYERS):
        for entry in entries:
            covers = module == entry or (entry != PACKAGE and module.startswith(entry + "."))
            if covers and (best is None or len(entry) > best[1]):
                best = (level, len(entry))
    return None if best is None else best[0]


def arrows_up(g: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a lower floor into a higher one."""
    out = []
    for a, targets in sorted(g.items()):
        fa = floor_of(a)
        for b in sorted(targets):
            fb = floor_of(b)
            if fa is not None and fb is not None and fb > fa:
                out.append((a, b))
    return out


def folders(root: Path = ROOT) -> dict[str, int]:
    """How many modules each folder holds."""
    count: dict[str, int] = defaultdict(int)
    for path in module_files(root).values():
        count[str(path.parent.relative_to(root))] += 1
    return dict(sorted(count.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--longest", action="store_true", help="print the longest chain from the command line")
    ap.add_argument("--start", default="authcheck.cli.main", help="where the command line starts")
    args = ap.parse_args(argv)
    g = graph()
    print(f"modules: {len(g)}")
    for folder, n in folders().items():
        print(f"  {folder}: {n}")
    found = cycles(g)
    print(f"circles: {len(found)}" + "".join(f"\n  {' <-> '.join(c)}" for c in found))
    up = arrows_up(g)
    print(f"arrows up: {len(up)}" + "".join(f"\n  {a} -> {b}" for a, b in up))
    unplaced = sorted(m for m in g if floor_of(m) is None)
    print(f"modules on no floor: {len(unplaced)}" + "".join(f"\n  {m}" for m in unplaced))
    top, bottom = floor_of(args.start), floor_of("authcheck.model")
    if top is not None and bottom is not None:
        print(f"floors from {args.start} down to the model: {top - bottom + 1} (of {len(LAYERS)})")
    if not found and args.start in g:
        chain = longest_chain(g, args.start)
        print(f"longest import chain from {args.start}: {len(chain)} modules")
        if args.longest:
            print("  " + " -> ".join(chain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
